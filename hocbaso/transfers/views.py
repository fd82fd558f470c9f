"""Transfer pages: the list, the family's request, one transfer with the step its viewer may take
(sign the decision, accept or refuse, cancel), the signed documents. Every view carries one rule;
objects come from scoped querysets (404 outside scope); actions do the rest."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from hocbaso.accounts.acting import acting_user
from hocbaso.audit import actions as audit
from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import requires
from hocbaso.directory.models import ClassGroup, School, SchoolYear
from hocbaso.directory.permissions import visible_students
from hocbaso.records import storage
from hocbaso.signing import pending
from hocbaso.signing.models import SignatureRole
from hocbaso.transfers import actions, admission, asic, permissions
from hocbaso.transfers import trust as transfer_trust
from hocbaso.transfers.forms import (
    AcceptForm,
    AdmissionExportForm,
    CredentialForm,
    FileForm,
    ImportForm,
    ReasonForm,
    RequestForm,
    TrustForm,
)
from hocbaso.transfers.models import OPEN_STATES, Transfer, TransferKind, TransferState, TrustedDeployment
from hocbaso.verification import core


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
            transfer = actions.request_transfer(by=acting_user(request), student=student, **form.cleaned_data)
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
            credentials=pending.credentials_for(user, SignatureRole.PRINCIPAL)
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
    user = acting_user(request)
    form: Any
    if step == "decide":
        form = CredentialForm(request.POST, credentials=pending.credentials_for(user, SignatureRole.PRINCIPAL))
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
            "can_export": transfer.kind == TransferKind.EXTERNAL
            and transfer.state in (TransferState.DECIDED, TransferState.SENT)
            and permissions.can_manage(request.user, transfer.from_school),
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


# --- across deployments ---------------------------------------------------------------------------


@requires(permissions.is_transfer_staff)
def export_bundle(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: seal and download the bundle of an external transfer (school seal and its password)."""
    transfer = _transfer_or_404(request, pk)
    seals = pending.credentials_for(request.user, SignatureRole.SCHOOL).filter(school=transfer.from_school)
    form = CredentialForm(request.POST or None, credentials=seals)
    if request.method == "POST" and form.is_valid():
        try:
            raw = actions.export_bundle(by=acting_user(request), transfer=transfer, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _file(raw, f"goi-chuyen-truong-{transfer.public_id}.zip", "application/vnd.etsi.asic-e+zip")
    return render(request, "transfers/seal_form.html", {"form": form, "transfer": transfer, "step": "export"})


@requires(permissions.is_transfer_staff)
def import_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: the receiving system's signed receipt closes this transfer."""
    transfer = _transfer_or_404(request, pk)
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            raw = _read_upload(form.cleaned_data["file"])
            actions.import_receipt(by=acting_user(request), transfer=transfer, raw=raw)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Receipt accepted: the transfer is finished."))
            return redirect("transfers:detail", pk=transfer.pk)
    return render(request, "transfers/seal_form.html", {"form": form, "transfer": transfer, "step": "receipt"})


def _read_upload(upload: Any) -> bytes:
    """At most one byte more than the bundle limit is read; the import refuses the rest."""
    return bytes(upload.read(asic.MAX_BUNDLE_BYTES + 1))


@requires(permissions.is_transfer_staff)
def import_bundle(request: HttpRequest) -> HttpResponse:
    """A principal imports a bundle from another system into their school; the receipt downloads."""
    school = School.objects.filter(pk__in=permissions.head_school_ids(request.user)).first()
    if school is None:
        raise PermissionDenied
    classes = ClassGroup.objects.filter(school=school).order_by("-school_year__code", "grade", "name")
    seals = pending.credentials_for(request.user, SignatureRole.SCHOOL).filter(school=school)
    form = ImportForm(request.POST or None, request.FILES or None, classes=classes, credentials=seals)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            received, receipt = actions.import_bundle(
                by=acting_user(request),
                raw=_read_upload(data["bundle"]),
                school=school,
                credential=data["credential"],
                authorisation=data["authorisation"],
                to_class=data["to_class"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _file(receipt, f"xac-nhan-tiep-nhan-{received.transfer_id}.xml", "application/xml")
    received_list = permissions.visible_received(request.user).select_related("student")[:50]
    return render(request, "transfers/import.html", {"form": form, "school": school, "received": received_list})


@requires(permissions.is_transfer_staff)
def received_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A received bundle: its records as received, each verified again now with the core."""
    received = get_object_or_404(permissions.visible_received(request.user).select_related("student", "school"), pk=pk)
    audit.record(by=request.user, action="student.read", obj=received.student, school_id=received.school_id)
    trust = transfer_trust.trust_for_import()
    rows = []
    for record in received.records.all():
        reports = [
            core.report_of(core.examine(storage.get(name, digest), trust=trust).checks)
            for name, digest in ((record.pdf_name, record.pdf_sha256), (record.xml_name, record.xml_sha256))
        ]
        rows.append(
            {"record": record, "files": list(zip(reports, (f"pdf-{record.pk}", f"xml-{record.pk}"), strict=True))}
        )
    return render(request, "transfers/received.html", {"received": received, "rows": rows})


@requires(permissions.is_transfer_staff)
def received_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A received record's PDF or XML (``kind`` ``pdf-<id>``/``xml-<id>``) or the receipt, byte for byte."""
    received = get_object_or_404(permissions.visible_received(request.user), pk=pk)
    if kind == "receipt":
        return _file(storage.get(received.receipt_name, received.receipt_sha256), "receipt.xml", "application/xml")
    prefix, _sep, record_pk = kind.partition("-")
    record = get_object_or_404(received.records.all(), pk=int(record_pk) if record_pk.isdigit() else 0)
    audit.record(by=request.user, action="record.read", obj=record, school_id=received.school_id)
    if prefix == "pdf":
        return _file(storage.get(record.pdf_name, record.pdf_sha256), f"{record.issuance_code}.pdf", "application/pdf")
    return _file(storage.get(record.xml_name, record.xml_sha256), f"{record.issuance_code}.xml", "application/xml")


@requires(permissions.is_operator)
def trust_page(request: HttpRequest) -> HttpResponse:
    """Operators: the deployments this one trusts, and importing another one's trust bundle."""
    form = TrustForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.import_trust(
                by=acting_user(request), raw=_read_upload(form.cleaned_data["file"]), name=form.cleaned_data["name"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Trust bundle imported."))
            return redirect("transfers:trust")
    return render(request, "transfers/trust.html", {"form": form, "trusted": TrustedDeployment.objects.all()})


# --- admission to grade 6 --------------------------------------------------------------------------


def _chosen(schools: Any, request: HttpRequest) -> Any:
    chosen = request.GET.get("school", "")
    return schools.filter(pk=int(chosen)) if chosen.isdigit() else schools


@requires(permissions.is_admission_reader)
def admissions(request: HttpRequest) -> HttpResponse:
    """Grade-5 completers: named for the reader's own schools, figures per school for the schools
    a unit oversees (an officer never receives a child's name)."""
    years = list(SchoolYear.objects.all())
    year = next((y for y in years if y.code == request.GET.get("year", "")), years[0] if years else None)
    if year is None:
        return render(request, "transfers/admissions.html", {"years": years, "schools": []})
    counted = permissions.admission_count_schools(request.user, year)
    named = permissions.admission_schools(request.user, year)
    everyone = admission.completers(_chosen(counted, request), year)
    named_ids = set(named.values_list("pk", flat=True))
    candidates = [c for c in everyone if c.school.pk in named_ids]
    tallies = admission.tally(everyone)
    if request.GET.get("format") == "xlsx":
        return _file(
            admission.workbook(candidates, tallies, year),
            f"tuyen-sinh-lop-6-{year.code}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    managed = [s for s in named if permissions.can_manage(request.user, s)]
    context = {"candidates": candidates, "tallies": tallies, "year": year, "years": years, "schools": counted}
    context |= {"labels": admission.STATUS_LABELS, "managed": managed, "names_shown": bool(named_ids)}
    context["one_school"] = len({c.school.pk for c in candidates}) <= 1  # no school column repeated on a phone
    return render(request, "transfers/admissions.html", context)


@requires(permissions.is_transfer_staff)
def admission_export(request: HttpRequest, school_pk: int) -> HttpResponse:
    """POST: the zip for a lower-secondary school or board (list + one sealed bundle per consenting family)."""
    school = get_object_or_404(School, pk=school_pk)
    if not permissions.can_manage(request.user, school):
        raise PermissionDenied
    seals = pending.credentials_for(request.user, SignatureRole.SCHOOL).filter(school=school)
    form = AdmissionExportForm(request.POST or None, credentials=seals)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            raw = actions.export_admission(by=acting_user(request), school=school, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _file(raw, f"tuyen-sinh-lop-6-{school.code}-{data['school_year'].code}.zip", "application/zip")
    return render(request, "transfers/admission_export.html", {"form": form, "school": school})
