"""Transfer pages: the list, the family's request, one transfer with the step its viewer may take
(sign the decision, accept or refuse, cancel), the signed documents. Every view carries one rule;
objects come from scoped querysets (404 outside scope); actions do the rest."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import requires
from hocbaso.directory.models import ClassGroup
from hocbaso.directory.permissions import visible_students
from hocbaso.signing import workflow
from hocbaso.signing.models import SignatureRole
from hocbaso.transfers import actions, permissions
from hocbaso.transfers.forms import AcceptForm, CredentialForm, ReasonForm, RequestForm
from hocbaso.transfers.models import OPEN_STATES, Transfer, TransferKind, TransferState


def _transfer_or_404(request: HttpRequest, pk: int) -> Transfer:
    return get_object_or_404(
        permissions.visible_transfers(request.user).select_related(
            "student", "from_school", "to_school", "school_year", "to_class"
        ),
        pk=pk,
    )


def _file(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(permissions.is_transfer_staff)
def transfer_list(request: HttpRequest) -> HttpResponse:
    transfers = permissions.visible_transfers(request.user).select_related("student", "from_school", "to_school")
    return render(
        request,
        "transfers/list.html",
        {
            "open": [t for t in transfers if t.state in OPEN_STATES],
            "closed": [t for t in transfers if t.state not in OPEN_STATES][:100],
        },
    )


@requires(permissions.is_transfer_staff)
def request_transfer(request: HttpRequest, student_pk: int) -> HttpResponse:
    """The family's request, recorded by the sending school."""
    student = get_object_or_404(visible_students(request.user).select_related("school"), pk=student_pk)
    form = RequestForm(request.POST or None, student=student)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = actions.request_transfer(by=request.user, student=student, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The transfer request is recorded; the principal signs the decision next."))
            return redirect("transfers:detail", pk=transfer.pk)
    return render(request, "transfers/request.html", {"form": form, "student": student})


def _step_forms(request: HttpRequest, transfer: Transfer, posted: dict[str, Any]) -> dict[str, Any]:
    """The forms the viewer may use on this transfer now (a posted one keeps its errors)."""
    user = request.user
    forms: dict[str, Any] = {}
    if transfer.state == TransferState.REQUESTED and permissions.can_decide(user, transfer):
        forms["decide"] = posted.get("decide") or CredentialForm(
            credentials=workflow.credentials_for(user, SignatureRole.PRINCIPAL)
        )
    answerable = transfer.state == TransferState.DECIDED and transfer.kind == TransferKind.INTERNAL
    if answerable and permissions.can_answer(user, transfer):
        classes = ClassGroup.objects.filter(school=transfer.to_school, school_year=transfer.school_year)
        forms["accept"] = posted.get("accept") or AcceptForm(classes=classes)
        forms["refuse"] = posted.get("refuse") or ReasonForm(prefix="refuse")
    if transfer.is_open and permissions.can_manage(user, transfer.from_school):
        forms["cancel"] = posted.get("cancel") or ReasonForm(prefix="cancel")
    return forms


def _post_step(request: HttpRequest, transfer: Transfer) -> tuple[dict[str, Any], bool]:
    """Run the posted step; returns (forms with errors, done)."""
    step = request.POST.get("step", "")
    user = request.user
    form: Any
    if step == "decide":
        form = CredentialForm(request.POST, credentials=workflow.credentials_for(user, SignatureRole.PRINCIPAL))
        call = lambda data: actions.decide_transfer(by=user, transfer=transfer, **data)  # noqa: E731
    elif step == "accept":
        classes = ClassGroup.objects.filter(school=transfer.to_school, school_year=transfer.school_year)
        form = AcceptForm(request.POST, classes=classes)
        call = lambda data: actions.accept_transfer(by=user, transfer=transfer, **data)  # noqa: E731
    elif step in ("refuse", "cancel"):
        form = ReasonForm(request.POST, prefix=step)
        action = actions.refuse_transfer if step == "refuse" else actions.cancel_transfer
        call = lambda data: action(by=user, transfer=transfer, **data)  # noqa: E731
    else:
        return {}, False
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return {}, True
    return {step: form}, False


@requires(permissions.is_transfer_staff)
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One transfer: its steps so far and the step the viewer may take (POST ``step=…``)."""
    transfer = _transfer_or_404(request, pk)
    posted: dict[str, Any] = {}
    if request.method == "POST":
        posted, done = _post_step(request, transfer)
        if done:
            messages.success(request, _("Done."))
            return redirect("transfers:detail", pk=transfer.pk)
    return render(
        request,
        "transfers/detail.html",
        {
            "transfer": transfer,
            "versions": transfer.attached_versions.select_related("school_year", "school").order_by(
                "school_year__code"
            ),
            "forms": _step_forms(request, transfer, posted),
        },
    )


@requires(permissions.is_transfer_staff)
def decision_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed decision (XML with XAdES), as stored."""
    transfer = _transfer_or_404(request, pk)
    try:
        content = actions.decision_bytes(transfer)
    except DomainError as exc:
        return render(request, "404.html", {"message": exc.message}, status=404)
    return _file(content, f"quyet-dinh-chuyen-truong-{transfer.public_id}.xml", "application/xml")
