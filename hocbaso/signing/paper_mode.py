"""Setting a school-year on paper or back to digital (docs/paper-and-digitising.md, *Paper mode*).

The write lives here, in the signing layer, because its rule needs signing's answer: a school-year
may switch between paper and digital only while **nothing of it is signed** (no signature event on
any record version of that school and year, whatever its status now). The read-only questions are
``directory.paper``'s; records refuses assembling a paper year, the signing workflow refuses signing
one (``paper_year_signing``) on every path.

Concurrency: the year's ``SchoolYearSetting`` row is locked here and by
``issuance.commit_signature``, so a signature committed while paper mode is switched on is either
seen by the check or refused by the commit, never both missed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hocbaso.audit import actions as audit
from hocbaso.audit.models import Channel
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, PermissionRefused, ValidationFailed
from hocbaso.core.text import visible_text
from hocbaso.directory.models import School, SchoolYear, SchoolYearSetting
from hocbaso.directory.roles import Permission, holds
from hocbaso.signing.models import SignatureEvent

REASON_MAX = 1000


def anything_signed(school: School, school_year: SchoolYear) -> bool:
    """Whether any record version of ``school`` in ``school_year`` carries a signature (any role)."""
    return SignatureEvent.objects.filter(version__school=school, version__school_year=school_year).exists()


def may_set_paper_mode(user: Any, school: School) -> bool:
    """The unit officer (commune, province) whose unit holds the school today."""
    return holds(user, Permission.SET_PAPER_MODE, school=school)


def set_paper_mode(
    *,
    by: Any,
    school: School,
    school_year: SchoolYear,
    paper_mode: bool,
    reason: str,
    channel: str = Channel.WEB,
) -> SchoolYearSetting:
    """Put ``school``'s ``school_year`` on paper (``paper_mode=True``) or back to digital.

    Refused: not the officer over the school today (``paper_mode_not_allowed``), no reason
    (``paper_mode_reason_required``), already so (``paper_mode_unchanged``), something of the
    school-year already signed (``paper_mode_signed``). Audited (``directory.paper_mode``) with the
    reason; the setting keeps the last change's reason, author and time.
    """
    if not may_set_paper_mode(by, school):
        raise PermissionRefused(
            _("Only the education officer of the commune or province managing the school sets paper mode."),
            code="paper_mode_not_allowed",
        )
    reason = visible_text(reason, REASON_MAX)
    if not reason:
        raise ValidationFailed(_("Give the reason for this change."), code="paper_mode_reason_required", field="reason")
    # The row exists (and is committed) before it is locked, so a concurrent signature commit
    # always finds a row to wait on (see the module docstring).
    SchoolYearSetting.objects.get_or_create(school=school, school_year=school_year)
    with transaction.atomic():
        setting = SchoolYearSetting.objects.select_for_update().get(school=school, school_year=school_year)
        if setting.paper_mode == paper_mode:
            raise Conflict(
                _("This school year is already kept on paper.")
                if paper_mode
                else _("This school year is already kept digitally."),
                code="paper_mode_unchanged",
                field="paper_mode",
            )
        if anything_signed(school, school_year):
            raise Conflict(
                _(
                    "Records of this school year have already been signed: it can no longer switch "
                    "between paper and digital records."
                ),
                code="paper_mode_signed",
            )
        before = setting.paper_mode
        setting.paper_mode = paper_mode
        setting.paper_mode_reason = reason
        setting.paper_mode_changed_by = by
        setting.paper_mode_changed_at = clock.now()
        setting.save(
            update_fields=["paper_mode", "paper_mode_reason", "paper_mode_changed_by", "paper_mode_changed_at"]
        )
        audit.record(
            by=by,
            action="directory.paper_mode",
            obj=setting,
            school_id=school.pk,
            changes={"paper_mode": [before, paper_mode], "year": school_year.code, "reason": [None, reason]},
            channel=channel,
        )
    return setting
