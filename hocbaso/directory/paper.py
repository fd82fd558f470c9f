"""Paper mode: which school-years keep paper records (sổ học bạ giấy) instead of signed digital ones.

Read-only questions asked by every layer above (records refuses assembly, signing refuses
signatures, reporting counts paper schools separately); the one write,
``signing.actions.set_paper_mode``, lives where "anything of that school-year is signed" can be
asked. See docs/paper-and-digitising.md, *Paper mode*.

For reports (``hocbaso.reporting``): :func:`paper_school_years` lists the paper school-years (a
queryset of ``SchoolYearSetting`` with ``school`` and ``school_year`` loaded), optionally of one
year and within a set of schools (e.g. ``roles.schools_where(officer, Permission.VIEW_SCHOOL)``);
:func:`paper_school_ids` is the set of school ids on paper in one year, to split counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import Conflict
from hocbaso.directory.models import School, SchoolYear, SchoolYearSetting


class PaperYear(Conflict):
    """A digital act (assembly, signing) on a school-year kept on paper."""

    code = "paper_year"


def paper_school_years(
    *, school_year: SchoolYear | None = None, schools: QuerySet[School] | Iterable[School] | None = None
) -> QuerySet[SchoolYearSetting]:
    """The school-years in paper mode, newest year first then by school name; of ``school_year``
    only when given, and of ``schools`` only when given (a queryset or a list of schools)."""
    found = SchoolYearSetting.objects.filter(paper_mode=True).select_related("school", "school_year")
    if school_year is not None:
        found = found.filter(school_year=school_year)
    if schools is not None:
        found = found.filter(school__in=schools)
    return found.order_by("-school_year__code", "school__name")


def paper_school_ids(school_year: SchoolYear) -> set[int]:
    """Ids of the schools keeping paper records in ``school_year`` (to count them apart)."""
    return set(paper_school_years(school_year=school_year).values_list("school_id", flat=True))


def is_paper_year(school: School | int, school_year: SchoolYear | int) -> bool:
    """Whether ``school`` keeps paper records in ``school_year`` (no setting row: digital)."""
    school_id = school if isinstance(school, int) else school.pk
    year_id = school_year if isinstance(school_year, int) else school_year.pk
    return SchoolYearSetting.objects.filter(school_id=school_id, school_year_id=year_id, paper_mode=True).exists()


def refuse_if_paper(school: School | int, school_year: SchoolYear | int, *, act: str) -> None:
    """Raise :class:`PaperYear` when the school-year is on paper. ``act``: ``signing`` or ``assembly``
    (the codes ``paper_year_signing`` and ``paper_year_assembly``)."""
    if not is_paper_year(school, school_year):
        return
    if act == "signing":
        raise PaperYear(
            _(
                "This school keeps paper records for this school year: its records are signed by hand "
                "in the paper book, never digitally."
            ),
            code="paper_year_signing",
        )
    raise PaperYear(
        _(
            "This school keeps paper records for this school year: print the paper book's pages "
            "instead of creating digital records."
        ),
        code="paper_year_assembly",
    )
