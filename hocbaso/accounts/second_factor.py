"""The second factor: a TOTP app (django-otp) and one-time recovery codes, after the password.

Who needs it (:func:`applies`): the operator (superuser), everyone for whom a predicate in
``REQUIRED_FOR`` holds — the directory registers "holds a signing or officer role" there (the
accounts layer cannot know roles) — and anyone who enrolled a device of their own accord. Such a
person's session is *verified* once a code was accepted in it (django-otp's ``otp_device`` in the
session); until then :class:`hocbaso.accounts.middleware.SecondFactorMiddleware` lets them reach
only the verification and enrolment pages and sign-out. API tokens are not sessions and are not
affected: the operator issues them (``hocbaso api-token``) and revokes them.

Enrolment (:func:`pending_device`, :func:`confirm`): an unconfirmed TOTP device is created and its
key shown once as a QR code and as text; the first right code confirms it, creates ten recovery
codes (shown once) and verifies the session. Verification (:func:`verify`): six digits are checked
against the TOTP app (each code is accepted once; django-otp also delays the next try after a
failure), anything else against the unused recovery codes (each works once). Wrong codes are
counted like passwords (:mod:`hocbaso.accounts.throttle`): five lock the account's second factor
for 15 minutes. Every step is audited: ``signin.succeeded`` (with which factor),
``signin.second_factor_failed``, ``signin.locked``, ``second_factor.enrolled``,
``second_factor.recovery_codes``, ``second_factor.reset``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import django_otp
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hocbaso.accounts import signin, throttle
from hocbaso.accounts.models import User
from hocbaso.core.clients import client_address
from hocbaso.core.errors import DomainError

# Predicates ``(user) -> bool`` registered by higher layers (the directory: signers and officers).
REQUIRED_FOR: list[Callable[[Any], bool]] = []

RECOVERY_CODES = 10
DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"


class WrongCode(DomainError):
    code = "second_factor_wrong"


def required(user: Any) -> bool:
    """True for the operator and for every user a registered predicate names."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or any(predicate(user) for predicate in REQUIRED_FOR)


def has_device(user: Any) -> bool:
    """The user has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def applies(user: Any) -> bool:
    """A session of ``user`` must pass the second factor before it opens."""
    return has_device(user) or required(user)


def subject_for(user: Any) -> throttle.Subject:
    return throttle.Subject(throttle.second_factor_account(), str(user.pk), kind="account")


def clean_code(code: str) -> str:
    return re.sub(r"[\s-]+", "", code or "").lower()


def counted_failure(*, request: HttpRequest, user: User, kind: str) -> None:
    signin.record_failure(
        subjects=(subject_for(user),),
        user=user,
        address=client_address(request),
        action="signin.second_factor_failed",
        extra={"factor": kind},
    )


def verify(*, request: HttpRequest, user: User, code: str) -> str:
    """Verify the session with a TOTP code or a recovery code; returns ``"totp"`` or ``"recovery_code"``.

    Refused with ``second_factor_wrong`` (counted and audited) or ``locked_out``.
    """
    subject = subject_for(user)
    throttle.check(subject)
    cleaned = clean_code(code)
    kind = "totp" if cleaned.isdigit() else "recovery_code"
    devices: list[TOTPDevice] | list[StaticDevice]
    if kind == "totp":
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    device = next((d for d in devices if cleaned and d.verify_token(cleaned)), None)
    if device is None:
        counted_failure(request=request, user=user, kind=kind)
        raise WrongCode(_("This code is not right, or was already used."), field="code")
    throttle.succeeded(subject)
    django_otp.login(request, device)
    extra: dict[str, Any] = {"second_factor": kind}
    if isinstance(device, StaticDevice):
        extra["recovery_codes_left"] = device.token_set.count()
    signin.audit_attempt(action="signin.succeeded", user=user, address=client_address(request), by=user, extra=extra)
    return kind


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()
