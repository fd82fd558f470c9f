"""Domain errors: every refusal the system makes has a stable code and a translated message.

Pages show them as form errors (on ``field`` when given); the API returns
``{"code", "message", "field"}`` with a 4xx status. Codes never change once published.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A refused operation. ``code`` is stable (API clients switch on it); ``message`` is for people."""

    code: str = "domain_error"
    status: int = 400

    def __init__(self, message: str | Promise, *, code: str | None = None, field: str | None = None, **params: Any):
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.params = params
        super().__init__(str(message))

    def as_dict(self) -> dict[str, Any]:
        """The API's error body."""
        return {"code": self.code, "message": str(self.message), "field": self.field}


class ValidationFailed(DomainError):
    """Input that breaks a rule; nothing was written."""

    code = "invalid"


class PermissionRefused(DomainError):
    """The user may not do this here."""

    code = "forbidden"
    status = 403


class NotFound(DomainError):
    """Nothing the user may see matches."""

    code = "not_found"
    status = 404


class Conflict(DomainError):
    """The write collides with existing state (duplicate, wrong status)."""

    code = "conflict"
    status = 409


def errors_from_django(exc: Exception) -> list[DomainError]:
    """Translate Django's ValidationError into DomainErrors, keeping field names and codes."""
    from django.core.exceptions import ValidationError

    if not isinstance(exc, ValidationError):
        return [DomainError(str(exc))]
    found: list[DomainError] = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                message = error.message % error.params if error.params else error.message
                found.append(
                    ValidationFailed(message, code=error.code or "invalid", field=None if field == "__all__" else field)
                )
    else:
        for error in exc.error_list:
            message = error.message % error.params if error.params else error.message
            found.append(ValidationFailed(message, code=error.code or "invalid"))
    return found


class InvalidInput(ValidationFailed):
    """Several rule breaks found at once (one per field at most); nothing was written."""

    def __init__(self, errors: Sequence[DomainError]):
        self.errors = list(errors)
        first = errors[0] if errors else ValidationFailed("invalid")
        super().__init__(first.message, code=first.code, field=first.field)

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["errors"] = [e.as_dict() for e in self.errors]
        return body


def validated(instance: Any, *, exclude: list[str] | None = None) -> None:
    """Run ``full_clean`` (fields, ``clean``, constraints) and raise ``InvalidInput`` on failure."""
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise InvalidInput(errors_from_django(exc)) from None
