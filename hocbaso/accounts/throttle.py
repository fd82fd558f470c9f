"""Counting failed secrets and locking out: passwords, second-factor codes, certificate passwords/PINs.

One mechanism for every secret a person types, on the shared cache (Redis in production, so every
web process counts together). A *subject* is what is counted: an account, a client address, a
signing credential. When a subject reaches :class:`Limit` ``failures`` failed attempts within
``window`` seconds it is locked for ``lockout`` seconds, during which every attempt is
refused *before* the secret is looked at, so the right password is refused too. A success clears
the account's own count (never a client address's: one person's success must not wipe the count
of an address trying many accounts).

Keys in the cache hold a keyed hash of the subject (never a username or an address in clear).
Counts live only in the cache: losing it unlocks everyone early, which is safe to accept (the
failures are in the audit trail). An operator unlocks one account with ``hocbaso signin-unlock``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from hocbaso.core.errors import DomainError


@dataclass(frozen=True)
class Limit:
    """``failures`` failures within ``window`` seconds lock the subject for ``lockout`` seconds."""

    name: str
    failures: int
    window: int
    lockout: int


def _limit(name: str, failures_setting: str, failures: int) -> Limit:
    minutes = int(getattr(settings, "HOCBASO_LOCKOUT_MINUTES", 15))
    return Limit(
        name=name,
        failures=int(getattr(settings, failures_setting, failures)),
        window=minutes * 60,
        lockout=minutes * 60,
    )


def sign_in_account() -> Limit:
    """Wrong passwords for one account (whoever sends them)."""
    return _limit("signin:account", "HOCBASO_SIGNIN_FAILURES", 5)


def sign_in_client() -> Limit:
    """Wrong passwords from one client address (whatever accounts it tries)."""
    return _limit("signin:client", "HOCBASO_SIGNIN_CLIENT_FAILURES", 20)


def second_factor_account() -> Limit:
    """Wrong second-factor or recovery codes for one account."""
    return _limit("otp:account", "HOCBASO_SIGNIN_FAILURES", 5)


def certificate_account() -> Limit:
    """Wrong certificate passwords or PINs typed by one signer."""
    return _limit("certificate:account", "HOCBASO_SIGNIN_FAILURES", 5)


def certificate_credential() -> Limit:
    """Wrong passwords or PINs tried on one certificate (a school seal is used by several people)."""
    return _limit("certificate:credential", "HOCBASO_SIGNIN_FAILURES", 5)


@dataclass(frozen=True)
class Subject:
    """What is counted: ``limit`` applied to ``value`` (a username, an address, a credential id)."""

    limit: Limit
    value: str
    kind: str = "account"  # "account" or "client" or "credential": named in the refusal

    def key(self) -> str:
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"{self.limit.name}\0{self.value}".encode(), hashlib.sha256
        ).hexdigest()[:40]
        return f"throttle:{self.limit.name}:{digest}"


LOCKOUT_MESSAGES = {
    "account": _("This account is locked after too many failed attempts. Try again in %(minutes)d minutes."),
    "client": _("Too many failed attempts from this address. Try again in %(minutes)d minutes."),
    "credential": _("Too many wrong passwords or PINs for this certificate. Try again in %(minutes)d minutes."),
}


class LockedOut(DomainError):
    """Too many wrong secrets: refused without looking at the secret until the lockout ends."""

    code = "locked_out"
    status = 429

    def __init__(self, subject: Subject, seconds: int):
        minutes = max(1, math.ceil(seconds / 60))
        self.subject = subject
        self.retry_after = seconds
        template = LOCKOUT_MESSAGES.get(subject.kind, LOCKOUT_MESSAGES["account"])
        message = template % {"minutes": minutes}
        super().__init__(message, code="locked_out")


def _lock_key(subject: Subject) -> str:
    return subject.key() + ":locked"


def locked_for(subject: Subject) -> int:
    """Seconds left of the subject's lockout, 0 when it is not locked."""
    until = cache.get(_lock_key(subject))
    if until is None:
        return 0
    return max(1, math.ceil(float(until) - time.time()))


def check(*subjects: Subject) -> None:
    """Raise :class:`LockedOut` for the first locked subject; call before looking at the secret."""
    for subject in subjects:
        seconds = locked_for(subject)
        if seconds:
            raise LockedOut(subject, seconds)


def _count(subject: Subject) -> int:
    key = subject.key()
    if cache.add(key, 1, subject.limit.window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, subject.limit.window)
        return 1


def failed(*subjects: Subject) -> list[Subject]:
    """Count one failure for each subject; return those that this failure locked."""
    newly_locked = []
    for subject in subjects:
        if _count(subject) >= subject.limit.failures and not locked_for(subject):
            cache.set(_lock_key(subject), time.time() + subject.limit.lockout, subject.limit.lockout)
            cache.delete(subject.key())
            newly_locked.append(subject)
    return newly_locked


def succeeded(subject: Subject) -> None:
    """Forget the subject's failures (an account that got its secret right)."""
    cache.delete(subject.key())


def unlock(subject: Subject) -> bool:
    """Lift the subject's lockout and failures now; True when it was locked."""
    was_locked = bool(locked_for(subject))
    cache.delete_many([subject.key(), _lock_key(subject)])
    return was_locked
