"""The home page's entry tasks, by the person's appointments today.

Teachers: each class they enter now — the open points with their deadlines and how many cells
are still empty (per subject for a subject teacher), and, for the homeroom teacher, the students
whose year page (days absent, height, weight, comment) is incomplete. Principals and
vice-principals: each class's progress at the open point, the entry windows page and the
school-wide progress page. Records waiting for a signature and certificates about to expire are
the signing section's.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from hocbaso.assessments import progress, windows
from hocbaso.assessments.catalogue import catalogue_for_class
from hocbaso.assessments.layout import item_title
from hocbaso.assessments.models import PERIODIC_POINTS, EntryWindow, Point, StudentYear
from hocbaso.assessments.permissions import write_scope
from hocbaso.core import clock
from hocbaso.core.home import Link, Section
from hocbaso.directory.models import ClassGroup, Enrolment, Role
from hocbaso.directory.permissions import appointments_of
from hocbaso.directory.roles import Permission, holds

ORDER = [p.value for p in PERIODIC_POINTS]


def _open_windows(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[EntryWindow]]:
    """Open periodic windows per (school, year), in the order of the year."""
    found: dict[tuple[int, int], list[EntryWindow]] = {}
    if not pairs:
        return found
    query = Q()
    for school_id, year_id in pairs:
        query |= Q(school_id=school_id, school_year_id=year_id)
    for window in EntryWindow.objects.filter(query, is_open=True, point__in=ORDER).select_related("school_year"):
        found.setdefault((window.school_id, window.school_year_id), []).append(window)
    for listed in found.values():
        listed.sort(key=lambda w: ORDER.index(w.point))
    return found


def _deadline(window: EntryWindow) -> str:
    deadline = windows.deadline_of(window.school_year, window.point, window)
    if deadline is None:
        return ""
    left = (deadline - clock.today()).days
    day = deadline.strftime("%d/%m/%Y")
    if left < 0:
        return _("deadline %(day)s passed") % {"day": day}
    return _("deadline %(day)s (%(n)d days left)") % {"day": day, "n": left}


def _empty_hint(class_group: ClassGroup, items: dict[tuple[str, str], progress.Tally], codes: set[str] | None) -> str:
    catalogue = catalogue_for_class(class_group)
    parts = []
    for (kind, code), tally in items.items():
        if tally.missing and (codes is None or code in codes):
            item = catalogue.item(kind, code)
            parts.append((tally.missing, item_title(item) if item else code))
    parts.sort(key=lambda p: -p[0])
    shown = ", ".join(f"{name} {n}" for n, name in parts[:4])
    return shown + ("…" if len(parts) > 4 else "")


def _year_page_missing(class_group: ClassGroup) -> int:
    """Students of the class whose year page lacks days absent, height, weight or the comment."""
    members = Enrolment.objects.members_of(class_group).values_list("student_id", flat=True)
    complete = StudentYear.objects.filter(
        school_year_id=class_group.school_year_id,
        student_id__in=members,
        days_absent__isnull=False,
        height_cm__isnull=False,
        weight_kg__isnull=False,
    ).exclude(general_comment="")
    return members.count() - complete.count()


def _teacher_section(user: Any, active: list[Any]) -> list[Section]:
    classes = {a.class_group_id: a.class_group for a in active if a.class_group_id and a.class_group}
    if not classes:
        return []
    opened = _open_windows({(c.school_id, c.school_year_id) for c in classes.values()})
    links: list[Link] = []
    for class_group in sorted(classes.values(), key=lambda c: (c.school_year.code, c.grade, c.name)):
        scope = write_scope(user, class_group)
        if not scope.any:
            continue
        codes = None if scope.whole_class else set(scope.subjects)
        for window in opened.get((class_group.school_id, class_group.school_year_id), []):
            items = progress.classes_progress([class_group], window.point)[class_group.pk]
            mine = {k: t for k, t in items.items() if codes is None or k[1] in codes}
            missing = progress.total(mine.values()).missing
            label = _("Enter %(point)s — class %(name)s: %(n)d cells empty") % {
                "point": Point(window.point).label,
                "name": class_group.name,
                "n": missing,
            }
            hint = "; ".join(x for x in (_deadline(window), _empty_hint(class_group, mine, codes)) if x)
            links.append(Link(label, reverse("assessments:grid", args=[class_group.pk, window.point]), hint))
        if scope.whole_class:
            missing_pages = _year_page_missing(class_group)
            if missing_pages:
                links.append(
                    Link(
                        _("Year page — class %(name)s: %(n)d students incomplete")
                        % {"name": class_group.name, "n": missing_pages},
                        reverse("assessments:year_details", args=[class_group.pk]),
                        _("days absent, height, weight, general comment"),
                    )
                )
    if not links:
        return []
    return [
        Section(
            _("Assessment entry: what to do now"),
            links,
            order=5,
            note="" if opened else _("No entry window is open for your classes."),
            wide=True,
        )
    ]


def _head_sections(user: Any, active: list[Any]) -> list[Section]:
    found: list[Section] = []
    seen: set[int] = set()
    for appointment in active:
        school = appointment.school
        if appointment.role not in (Role.PRINCIPAL, Role.VICE_PRINCIPAL) or school is None or school.pk in seen:
            continue
        seen.add(school.pk)
        if not holds(user, Permission.MANAGE_ENTRY, school=school):
            continue
        links = [
            Link(_("Entry windows and deadlines"), reverse("assessments:windows", args=[school.pk])),
            Link(_("Entry progress of the school"), reverse("assessments:progress", args=[school.pk])),
        ]
        classes = progress.classes_of(school, progress.current_year(progress.school_years(school)))
        note = ""
        if classes:
            year_id = classes[0].school_year_id
            open_now = _open_windows({(school.pk, year_id)}).get((school.pk, year_id), [])
            if open_now:
                window = open_now[-1]
                per_class = progress.classes_progress(classes, window.point)
                note = _("%(point)s is open") % {"point": Point(window.point).label}
                if _deadline(window):
                    note += " — " + _deadline(window)
                for class_group in classes:
                    tally = progress.total(per_class[class_group.pk].values())
                    links.append(
                        Link(
                            _("Class %(name)s: %(percent)d%% entered")
                            % {"name": class_group.name, "percent": tally.percent},
                            reverse("assessments:grid", args=[class_group.pk, window.point]),
                            _("%(entered)d of %(expected)d cells")
                            % {"entered": tally.entered, "expected": tally.expected},
                        )
                    )
            else:
                note = _("No entry window is open.")
        title = _("Entry progress — %(school)s") % {"school": school.name}
        found.append(Section(title, links, order=6, note=note, wide=True))
    return found


def sections(user: Any) -> list[Section]:
    if not getattr(user, "is_authenticated", False):
        return []
    active = list(appointments_of(user, active_on=clock.today()).select_related("school", "class_group__school_year"))
    return _teacher_section(user, active) + _head_sections(user, active)
