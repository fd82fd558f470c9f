"""assessments app."""
