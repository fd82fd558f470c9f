"""Who is who, where, when: administrative units, schools, years, classes, students, staff, roles."""
