"""Certificate passwords and PINs typed to sign: counted and locked out like sign-in passwords.

A stored certificate file, a USB token or a remote signing credential is opened with a secret the
signer types for each batch. Someone at an unattended, signed-in computer (or holding a stolen
session) could otherwise try PINs without end, and a USB token locks itself for good after a few
wrong PINs. So every opening goes through :func:`counted`: refused at once while the signer's
account or the credential is locked out (:mod:`hocbaso.accounts.throttle`, ``locked_out``),
otherwise each wrong secret is counted against both, audited as ``certificate.wrong_secret``, and
the failure that locks either is audited as ``certificate.locked``. The credential is counted on
its own because a school's seal is opened by several people; the right secret clears both counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from hocbaso.accounts import throttle
from hocbaso.audit import actions as audit
from hocbaso.core.errors import ValidationFailed
from hocbaso.signing.models import SigningCredential

# The backends' codes that mean "the secret was wrong" (a missing file or service is not a guess).
WRONG_SECRET_CODES = frozenset({"pkcs12_unreadable", "pkcs11_unavailable", "csc_pin_refused"})


def subjects_for(by: Any, credential: SigningCredential) -> tuple[throttle.Subject, throttle.Subject]:
    return (
        throttle.Subject(throttle.certificate_account(), str(getattr(by, "pk", "")), kind="account"),
        throttle.Subject(throttle.certificate_credential(), str(credential.pk), kind="credential"),
    )


def _audit(*, by: Any, action: str, credential: SigningCredential, changes: dict[str, Any]) -> None:
    with transaction.atomic():  # its own transaction: it must outlive the refusal being raised
        audit.record(by=by, action=action, obj=credential, school_id=credential.school_id, changes=changes)


@contextmanager
def counted(*, by: Any, credential: SigningCredential) -> Iterator[None]:
    """Open ``credential`` inside this block; a wrong secret is counted, audited and re-raised."""
    subjects = subjects_for(by, credential)
    throttle.check(*subjects)
    try:
        yield
    except ValidationFailed as exc:
        if exc.code in WRONG_SECRET_CODES:
            newly_locked = throttle.failed(*subjects)
            _audit(by=by, action="certificate.wrong_secret", credential=credential, changes={"code": exc.code})
            for subject in newly_locked:
                _audit(
                    by=by,
                    action="certificate.locked",
                    credential=credential,
                    changes={"locked": subject.limit.name, "minutes": subject.limit.lockout // 60},
                )
        raise
    for subject in subjects:  # each account is still bounded by its own count
        throttle.succeeded(subject)
