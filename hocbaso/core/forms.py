"""Helpers shared by forms: putting domain refusals on the right field."""

from __future__ import annotations

from django import forms

from hocbaso.core.errors import DomainError, InvalidInput


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a refusal on its field when the form has that field, otherwise at the top."""
    errors = error.errors if isinstance(error, InvalidInput) else [error]
    for item in errors:
        field = item.field if item.field in form.fields else None
        form.add_error(field, str(item.message))
