"""The signer's authorisation (PKCS#12 password, token or service PIN) sealed for a batch's workers.

Sealed with Fernet under a key derived from ``SECRET_KEY`` and kept in a ``BatchSecret`` row of its
own, deleted (not blanked) when the batch ends or the TTL passes; never shown, never logged.
"""

from __future__ import annotations

import base64
import datetime as dt

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hocbaso.core import clock
from hocbaso.signing.models import BatchSecret, SigningBatch
from hocbaso.signing.refusals import AuthorisationRequired

# How long a sealed batch authorisation may be used by a worker.
AUTHORISATION_TTL_SECONDS = 3600


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"hocbaso signing batch authorisation").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(authorisation: str) -> str:
    return _fernet().encrypt(authorisation.encode()).decode()


def unseal(token: str) -> str:
    """The authorisation sealed by :func:`seal`, if younger than the TTL; else ``AuthorisationRequired``."""
    if not token:
        raise AuthorisationRequired(_("Enter the password or PIN again to continue signing."))
    try:
        return _fernet().decrypt(token.encode(), ttl=AUTHORISATION_TTL_SECONDS).decode()
    except InvalidToken:
        raise AuthorisationRequired(
            _("The authorisation has expired; enter the password or PIN again."), code="authorisation_expired"
        ) from None


def store_secret(batch: SigningBatch, authorisation: str) -> None:
    """Keep ``authorisation`` sealed for the batch's workers until the TTL (replacing any earlier one)."""
    BatchSecret.objects.update_or_create(
        batch=batch,
        defaults={
            "sealed": seal(authorisation),
            "expires_at": clock.now() + dt.timedelta(seconds=AUTHORISATION_TTL_SECONDS),
        },
    )


def drop_secret(batch_id: int) -> None:
    """Delete the batch's sealed authorisation (the row, not only its value)."""
    BatchSecret.objects.filter(batch_id=batch_id).delete()


def has_secret(batch_id: int) -> bool:
    """Whether a sealed authorisation not yet expired waits for the batch's workers."""
    return BatchSecret.objects.filter(batch_id=batch_id, expires_at__gt=clock.now()).exists()


def secret_of(batch_id: int) -> str:
    """The batch's sealed authorisation, or ``AuthorisationRequired`` (``authorisation_expired``
    when it had expired: it is deleted then)."""
    row = BatchSecret.objects.filter(batch_id=batch_id).first()
    if row is None:
        raise AuthorisationRequired(_("Enter the password or PIN again to continue signing."))
    try:
        if row.expires_at <= clock.now():
            raise AuthorisationRequired(
                _("The authorisation has expired; enter the password or PIN again."), code="authorisation_expired"
            )
        return unseal(row.sealed)
    except AuthorisationRequired:
        drop_secret(batch_id)
        raise
