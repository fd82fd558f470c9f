"""Writes to accounts: changing one's password, a reset by someone else, removing a second factor.

Each is keyword-only with ``by=`` first, atomic, and audited in the same transaction; no
password ever enters the audit trail. Who may reset whom is the caller's rule (the directory
knows schools: ``directory.staff_accounts``); these actions hold the rules that need no roles:
nobody resets their own password or second factor this way (``reset_self``), and only the
operator removes a second factor (``forbidden``).
"""

from __future__ import annotations

import secrets

import django_otp
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hocbaso.accounts import second_factor, signin, throttle
from hocbaso.accounts.models import ApiToken, User
from hocbaso.accounts.second_factor import DEVICE_NAME, RECOVERY_CODES, RECOVERY_NAME, WrongCode, subject_for
from hocbaso.accounts.tokens import hash_secret
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.clients import client_address
from hocbaso.core.errors import PermissionRefused, ValidationFailed

# Letters and digits that cannot be confused on paper or on the phone (no 0/O, 1/l/I).
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def readable_password() -> str:
    """Three groups of four readable characters (about 59 bits), e.g. ``k7mq-2xhf-9tpa``."""
    return "-".join("".join(secrets.choice(READABLE) for _ in range(4)) for _ in range(3))


def _validated(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(str(m) for m in exc.messages), code="password_weak", field="new") from None


def change_password(*, by: User, request: HttpRequest, current: str, new: str) -> None:
    """``by`` changes their own password. The current one is checked like a sign-in (throttled,
    a wrong one audited as ``signin.failed``); the new one must pass the password validators and
    differ from the current one. Other sessions of ``by`` end (Django's session hash)."""
    signin.check_password(request=request, username=by.get_username(), password=current)
    if new == current:
        raise ValidationFailed(
            _("Choose a password different from the current one."), code="password_same", field="new"
        )
    _validated(new, by)
    with transaction.atomic():
        by.set_password(new)
        by.password_change_required = False
        by.save(update_fields=["password", "password_change_required"])
        audit.record(
            by=by,
            action="account.password_changed",
            obj=by,
            school_id=signin.school_of(by),
            changes={"client": client_address(request)},
        )


@transaction.atomic
def reset_password(*, by: User, user: User, reason: str = "") -> str:
    """Give ``user`` a new random password, returned once (never stored in clear) for ``by`` to
    hand over; ``user`` must choose their own at the next sign-in, and their sessions end. A
    second factor, when ``user`` has one, stays: whoever knows the new password still cannot open
    a session of a signer without the signer's phone or recovery codes. For the same reason only
    the operator resets someone who needs a second factor and has not set one up yet
    (``reset_needs_operator``): with the password alone, the resetter could enrol their own."""
    if by.pk == user.pk:
        raise PermissionRefused(
            _("You cannot reset your own password here; change it on your account page."), code="reset_self"
        )
    if user.is_superuser and not by.is_superuser:
        raise PermissionRefused(_("Only the operator can reset the operator's password."))
    if not by.is_superuser and second_factor.required(user) and not second_factor.has_device(user):
        # with the new password alone they could set up their own authenticator and be that signer
        raise PermissionRefused(
            _("This person has not set up their second factor yet: only the operator can reset their password."),
            code="reset_needs_operator",
        )
    password = readable_password()
    user.set_password(password)
    user.password_change_required = True
    user.save(update_fields=["password", "password_change_required"])
    audit.record(
        by=by,
        action="account.password_reset",
        obj=user,
        school_id=signin.school_of(user),
        changes={"reason": reason} if reason else {},
    )
    return password


@transaction.atomic
def reset_second_factor(*, by: User, user: User, reason: str = "") -> int:
    """The operator removes ``user``'s authenticator and recovery codes (a lost phone): sessions
    verified with them close, and ``user`` enrols again at the next sign-in. Returns the number
    of devices removed."""
    if not by.is_superuser:
        raise PermissionRefused(_("Only the operator can remove a second factor."))
    if by.pk == user.pk:
        raise PermissionRefused(_("You cannot remove your own second factor."), code="reset_self")
    devices = [TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)]
    removed = sum(queryset.count() for queryset in devices)
    for queryset in devices:
        queryset.delete()
    audit.record(
        by=by,
        action="second_factor.reset",
        obj=user,
        school_id=signin.school_of(user),
        changes={"removed": removed, **({"reason": reason} if reason else {})},
    )
    return removed


@transaction.atomic
def create_token(*, by: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret (never stored)."""
    secret = "hbs_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:8], key_hash=hash_secret(secret))
    audit.record(by=by, action="api_token.create", obj=token, changes={"user": [None, user.pk], "name": [None, name]})
    return token, secret


@transaction.atomic
def revoke_token(*, by: User, token: ApiToken) -> ApiToken:
    """Revoke ``token`` now (idempotent): the app holding it is refused from the next request."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit.record(by=by, action="api_token.revoke", obj=token, changes={"revoked_at": [None, str(token.revoked_at)]})
    return token


def pending_device(user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator (created on first call; its key is shown to enrol)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=DEVICE_NAME).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, confirmed=False, name=DEVICE_NAME)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm(*, request: HttpRequest, user: User, code: str) -> list[str]:
    """Confirm the pending authenticator with its first code; returns the recovery codes (shown once).

    The session is verified by the new device. Refused (``second_factor_wrong``, counted) when
    the code is not the app's current one; ``locked_out`` while the account's second factor is locked.
    """
    subject = subject_for(user)
    throttle.check(subject)
    device = pending_device(user)
    if not device.verify_token(second_factor.clean_code(code)):
        second_factor.counted_failure(request=request, user=user, kind="enrolment")
        raise WrongCode(_("This code is not right. Type the six digits your app shows now."), field="code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        signin.audit_attempt(
            action="second_factor.enrolled",
            user=user,
            address=client_address(request),
            by=user,
            extra={"recovery_codes": RECOVERY_CODES},
        )
    throttle.succeeded(subject)
    django_otp.login(request, device)
    return codes


@transaction.atomic
def new_recovery_codes(*, by: User, request: HttpRequest) -> list[str]:
    """Replace ``by``'s recovery codes (the old ones stop working); returns the new ones, shown once."""
    codes = _new_recovery_codes(by)
    signin.audit_attempt(
        action="second_factor.recovery_codes",
        user=by,
        address=client_address(request),
        by=by,
        extra={"recovery_codes": RECOVERY_CODES},
    )
    return codes
