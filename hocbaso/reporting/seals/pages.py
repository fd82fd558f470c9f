"""The form flow of the two pages that register a seal certificate (a unit's, the department's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.reporting.forms import UnitSealForm


def seal_upload_page(
    request: HttpRequest,
    *,
    register: Callable[..., object],
    form_class: type[UnitSealForm] = UnitSealForm,
    done: str,
    done_url: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """Show the upload form; on a valid POST call the action ``register(pkcs12=, password=, label=)``:
    its refusal is shown on the form (nothing written), its success is said and leads to ``done_url``."""
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            register(pkcs12=form.pkcs12(), password=form.cleaned_data["password"], label=form.cleaned_data["label"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(done_url)
    return render(request, template, {**context, "form": form})
