"""Handing a seal's password or PIN to a background task, and nothing more.

``keep`` encrypts it (``signing.authorisations.seal``: the signing app's own sealing of a batch
authorisation, with its TTL) into a :class:`PendingAuthorisation` row; ``take`` decrypts it and
*deletes* the row in the same call, so a secret is read at most once; ``drop`` deletes it (a
task that failed before using it). An expired or missing one raises ``AuthorisationRequired``.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from hocbaso.core import clock
from hocbaso.reporting.models import PendingAuthorisation
from hocbaso.signing import authorisations as signing_authorisations
from hocbaso.signing.refusals import AuthorisationRequired

REPORT = "report"
MINISTRY_BATCH = "ministry_batch"
AGAIN = _("Enter the password or PIN again to continue signing.")


def keep(purpose: str, object_id: int, authorisation: str) -> None:
    PendingAuthorisation.objects.update_or_create(
        purpose=purpose,
        object_id=object_id,
        defaults={
            "sealed": signing_authorisations.seal(authorisation),
            "expires_at": clock.now() + dt.timedelta(seconds=signing_authorisations.AUTHORISATION_TTL_SECONDS),
        },
    )


def take(purpose: str, object_id: int) -> str:
    """The authorisation kept for ``(purpose, object_id)``, deleted as it is read."""
    row = PendingAuthorisation.objects.filter(purpose=purpose, object_id=object_id).first()
    if row is None:
        raise AuthorisationRequired(AGAIN)
    row.delete()
    if row.expires_at <= clock.now():
        raise AuthorisationRequired(AGAIN, code="authorisation_expired")
    return signing_authorisations.unseal(row.sealed)


def drop(purpose: str, object_id: int) -> None:
    PendingAuthorisation.objects.filter(purpose=purpose, object_id=object_id).delete()
