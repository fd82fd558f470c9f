"""The portal's limits on the project's throttling (:mod:`hocbaso.accounts.throttle`).

Failed activation codes are counted per code and per client address, wrong share PINs per link;
at the limit the subject is locked out (the right answer is refused too) for the lockout period.
Guardian sign-in goes through :func:`hocbaso.accounts.signin.check_password` like every password.
"""

from __future__ import annotations

from django.conf import settings

from hocbaso.accounts import throttle
from hocbaso.accounts.throttle import Limit, Subject


def _minutes() -> int:
    return int(getattr(settings, "HOCBASO_LOCKOUT_MINUTES", 15)) * 60


def activation_code() -> Limit:
    """Wrong birth dates (or states) tried with one activation code."""
    return Limit("portal:activation-code", 5, _minutes(), _minutes())


def activation_client() -> Limit:
    """Failed activations from one client address, whatever codes it tries."""
    return Limit("portal:activation-client", 20, _minutes(), _minutes())


def share_pin() -> Limit:
    """Wrong PINs typed for one share link."""
    return Limit("portal:share-pin", 5, _minutes(), _minutes())


def activation_subjects(code: str, address: str) -> tuple[Subject, Subject]:
    return Subject(activation_code(), code, kind="credential"), Subject(activation_client(), address, kind="client")


def pin_subject(link_id: int) -> Subject:
    return Subject(share_pin(), str(link_id), kind="credential")


def locked(*subjects: Subject) -> bool:
    """True when any subject is locked out now."""
    return any(throttle.locked_for(subject) for subject in subjects)


failed = throttle.failed
succeeded = throttle.succeeded
