"""Signing in with a password: throttled per account and per client address, and audited.

:func:`check_password` is the one door for a password typed by a person (the sign-in page, the
admin's login, which redirects there, and the password change page's current password). In order:

1. refuse at once, without looking at the password, when the account or the client address is
   locked out (:mod:`hocbaso.accounts.throttle`): the right password is refused too;
2. authenticate; on failure count it against the account and the address, audit
   ``signin.failed`` and, when this failure locks either, ``signin.locked``;
3. on success clear the account's count; the caller audits what the password opened
   (``signin.succeeded`` when a session is opened).

Audit rows carry the client address (the first untrusted hop, see :mod:`hocbaso.core.clients`) and
never the password. A failure for a name that is no account is audited without the typed name
(people type their password into the name field by mistake).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hocbaso.accounts import throttle
from hocbaso.accounts.models import User
from hocbaso.audit import actions as audit
from hocbaso.core.clients import client_address
from hocbaso.core.errors import DomainError


class WrongCredentials(DomainError):
    code = "signin_failed"
    status = 400


def school_of(user: User | None) -> int | None:
    """The school of the user's staff profile, so the school's audit page lists their sign-ins."""
    if user is None:
        return None
    try:
        return user.staff.school_id  # type: ignore[attr-defined]
    except (ObjectDoesNotExist, AttributeError):
        return None


def normalised(username: str) -> str:
    return username.strip().casefold()


def subjects_for(username: str, address: str) -> tuple[throttle.Subject, throttle.Subject]:
    return (
        throttle.Subject(throttle.sign_in_account(), normalised(username), kind="account"),
        throttle.Subject(throttle.sign_in_client(), address, kind="client"),
    )


def audit_attempt(
    *, action: str, user: User | None, address: str, extra: dict[str, Any] | None = None, by: Any = None
) -> None:
    """One audit row about a sign-in step, in its own transaction (it must outlive a refusal)."""
    with transaction.atomic():
        audit.record(
            by=by,
            action=action,
            object_type="accounts.user",
            object_id=user.pk if user is not None else "",
            school_id=school_of(user),
            changes={"client": address, **(extra or {})},
        )


def record_failure(
    *, subjects: tuple[throttle.Subject, ...], user: User | None, address: str, action: str, extra: dict[str, Any]
) -> None:
    """Count a failure against ``subjects``, audit it, and audit a lockout it caused."""
    newly_locked = throttle.failed(*subjects)
    audit_attempt(action=action, user=user, address=address, extra=extra)
    for subject in newly_locked:
        audit_attempt(
            action=action.rsplit(".", 1)[0] + ".locked",
            user=user if subject.kind != "client" else None,
            address=address,
            extra={"locked": subject.limit.name, "minutes": subject.limit.lockout // 60},
        )


def check_password(*, request: HttpRequest, username: str, password: str) -> User:
    """The user whose password this is, or a refusal (see the module docstring for the order).

    Raises :class:`throttle.LockedOut` (``locked_out``, 429) or :class:`WrongCredentials`
    (``signin_failed``): the message never says whether the name exists.
    """
    address = client_address(request)
    subjects = subjects_for(username, address)
    known = User.objects.filter(username=username).first()
    # A lockout is audited once, when it is set; the refusals during it are not written (an
    # attacker hammering a locked account must not be able to grow the audit chain).
    throttle.check(*subjects)
    user = authenticate(request, username=username, password=password)
    if user is None:
        record_failure(
            subjects=subjects,
            user=known,
            address=address,
            action="signin.failed",
            extra={"known_account": known is not None},
        )
        raise WrongCredentials(_("Wrong username or password."))
    assert isinstance(user, User)
    throttle.succeeded(subjects[0])
    return user
