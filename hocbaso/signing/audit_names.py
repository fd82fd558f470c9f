"""How the audit page names signing batches and certificates; registered in ``apps.ready``."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from hocbaso.audit.presentation import Described, register_object
from hocbaso.signing.models import SigningBatch, SigningCredential


def _ids(ids: Sequence[str]) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def batches(ids: Sequence[str]) -> dict[str, Described]:
    return {
        str(b.pk): Described(
            _("Signing as %(role)s, %(total)s records") % {"role": b.get_role_display().lower(), "total": b.total},
            reverse("signing:batch", args=[b.pk]),
        )
        for b in SigningBatch.objects.filter(pk__in=_ids(ids))
    }


def credentials(ids: Sequence[str]) -> dict[str, Described]:
    found = SigningCredential.objects.filter(pk__in=_ids(ids)).select_related("staff")
    return {
        str(c.pk): Described(
            _("Certificate %(label)s of %(name)s") % {"label": c.label, "name": c.staff.full_name if c.staff else ""}
        )
        for c in found
    }


def register() -> None:
    register_object("signing.signingbatch", batches)
    register_object("signing.signingcredential", credentials)
