"""Signing pages: "waiting for my signature" with one "sign all", batch results, record PDFs,
certificates expiring soon. Every view carries a rule; objects come from scoped querysets (404
outside scope); opening a record's PDF is a staff read of a child's record and is audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.body_limits import accepts_upload
from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import requires
from hocbaso.directory.permissions import is_staff_member
from hocbaso.records import signed_record, storage
from hocbaso.signing import actions, authorisations, models, recovery
from hocbaso.signing import pending as signing_pending
from hocbaso.signing.forms import ContinueBatchForm, SignBatchForm
from hocbaso.signing.models import ItemOutcome, SignatureRole, SigningBatch
from hocbaso.signing.permissions import (
    is_school_head,
    is_signer,
    school_credentials,
    visible_batches,
    visible_versions,
)

EXPIRY_WARNING_DAYS = 60
MAX_CERTIFICATE_BYTES = 256 * 1024


def _sections(request: HttpRequest, posted: SignBatchForm | None = None) -> list[dict[str, Any]]:
    """One section per signature role: the classes waiting, each with its records; nothing is
    ticked unless this person ticked it (a refused submission comes back with its own ticks)."""
    by_role: dict[str, list[signing_pending.PendingGroup]] = {}
    for group in signing_pending.pending_for(request.user):
        by_role.setdefault(group.role, []).append(group)
    sections = []
    for role, groups in by_role.items():
        ids = [v.pk for g in groups for v in g.versions]
        usable = signing_pending.credentials_for(request.user, role)
        chosen: set[int] = set()
        if posted is not None and posted.data.get("role") == role:
            form = posted
            chosen = {int(pk) for pk in request.POST.getlist("versions") if pk.isdigit()} & set(ids)
        else:
            form = SignBatchForm(
                credentials=usable,
                version_ids=ids,
                # the first (usually the only) certificate is chosen already; no record is
                initial={"role": role, "idempotency_key": uuid.uuid4().hex, "credential": usable.first()},
            )
        classes = [
            {
                "group": group,
                "rows": [(version, version.pk in chosen) for version in group.versions],
                "chosen": sum(1 for version in group.versions if version.pk in chosen),
                "count": len(group.versions),
            }
            for group in groups
        ]
        sections.append(
            {
                "role": role,
                "role_label": SignatureRole(role).label,
                "classes": classes,
                "count": len(ids),
                "chosen": len(chosen),
                "form": form,
                "has_credentials": usable.exists(),
            }
        )
    return sections


@requires(is_signer)
def pending(request: HttpRequest) -> HttpResponse:
    """GET: what waits for my signature, by class. POST: sign the checked records with one authorisation."""
    posted = None
    if request.method == "POST":
        role = request.POST.get("role", "")
        ids = [
            v.pk for g in signing_pending.pending_for(request.user) if g.role == role for v in g.versions
        ]  # only what waits for this user can be submitted
        posted = SignBatchForm(
            request.POST, credentials=signing_pending.credentials_for(request.user, role), version_ids=ids
        )
        if posted.is_valid():
            try:
                batch = actions.submit_batch(
                    by=request.user,
                    version_ids=posted.cleaned_data["versions"],
                    role=posted.cleaned_data["role"],
                    credential=posted.cleaned_data["credential"],
                    idempotency_key=posted.cleaned_data["idempotency_key"],
                    authorisation=posted.cleaned_data["authorisation"],
                )
            except DomainError as exc:
                add_domain_error(posted, exc)
            else:
                return redirect("signing:batch", pk=batch.pk)
    return render(request, "signing/pending.html", {"sections": _sections(request, posted)})


def _batch_page(
    request: HttpRequest, batch: SigningBatch, form: ContinueBatchForm | None = None, *, status: int = 200
) -> HttpResponse:
    items = batch.items.select_related("version__record__student", "version__class_group")
    outcomes = dict(Counter(batch.items.values_list("outcome", flat=True)))
    template = "signing/batch_items.html" if getattr(request, "htmx", False) else "signing/batch.html"
    lost = recovery.is_lost(batch)
    running = batch.state in (batch.State.QUEUED, batch.State.RUNNING, batch.State.AWAITING) and not lost
    can_continue = batch.created_by_id == request.user.pk and recovery.can_continue(batch)
    context = {
        "batch": batch,
        "items": items,
        "running": running,
        "lost": lost,
        "can_continue": can_continue,
        "needs_authorisation": can_continue and not authorisations.has_secret(batch.pk),
        "continue_form": form or ContinueBatchForm(),
        "signed": outcomes.get(ItemOutcome.OK, 0),
        "not_signed": outcomes.get(ItemOutcome.FAILED, 0) + outcomes.get(ItemOutcome.SKIPPED, 0),
    }
    return render(request, template, context, status=status)


def _visible_batch(request: HttpRequest, pk: int) -> SigningBatch:
    return get_object_or_404(visible_batches(request.user).select_related("signer", "credential"), pk=pk)


@requires(is_staff_member)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _batch_page(request, _visible_batch(request, pk))


@requires(is_staff_member)
@require_POST
def batch_continue(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Tiếp tục": queue the pending items of a batch that stopped or lost its worker again
    (with the password/PIN when the stored one is gone). Only the batch's own signer."""
    batch = _visible_batch(request, pk)
    form = ContinueBatchForm(request.POST)
    if form.is_valid():
        try:
            actions.continue_batch(by=request.user, batch_id=batch.pk, authorisation=form.cleaned_data["authorisation"])
        except DomainError as exc:
            add_domain_error(form, exc)
            return _batch_page(request, batch, form, status=exc.status if exc.status == 403 else 200)
        return redirect("signing:batch", pk=batch.pk)
    return _batch_page(request, batch, form)


@requires(is_staff_member)
def version_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The version's PDF as it stands (signed if any signature exists); an audited staff read."""
    version = get_object_or_404(visible_versions(request.user), pk=pk)
    content = storage.get(*signed_record.current_pdf(version))
    audit.record(by=request.user, action="record.read", obj=version, school_id=version.school_id)
    response = FileResponse(iter([content]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{version.issuance_code}.pdf"'
    response["Content-Length"] = str(len(content))
    return response


@requires(is_school_head)
def expiring(request: HttpRequest) -> HttpResponse:
    """Certificates of my schools that expire within 60 days (or already have)."""
    limit = clock.now() + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    soon = (
        school_credentials(request.user)
        .filter(not_after__lte=limit)
        .select_related("staff", "school")
        .distinct()
        .order_by("not_after")
    )
    return render(
        request,
        "signing/expiring.html",
        {"credentials": soon, "days": EXPIRY_WARNING_DAYS, "now": clock.now()},
    )


@requires(is_signer)
@accepts_upload(MAX_CERTIFICATE_BYTES, field="file")
def register_certificate(request: HttpRequest) -> HttpResponse:
    """A signer registers their own certificate: a file (PKCS#12), a credential on a remote signing
    service (CSC) or the certificate of their phone signing app; a principal or clerk may register
    the school's organisation certificate (the school seal) as a file or a CSC credential. The
    password only opens the file to read the certificate here; it is never stored."""
    from hocbaso.directory.roles import Permission, schools_where, staff_of

    staff = staff_of(request.user)
    schools = schools_where(request.user, Permission.APPLY_SCHOOL_SEAL)
    error = ""
    if request.method == "POST" and staff is not None:
        upload = request.FILES.get("file")
        seal_school = schools.filter(pk=request.POST.get("seal_school") or 0).first()
        kind = request.POST.get("kind", "pkcs12")
        try:
            if kind == "csc":
                credential = actions.register_csc_credential(
                    by=request.user,
                    staff=staff,
                    service_url=request.POST.get("service_url", ""),
                    credential_id=request.POST.get("credential_id", ""),
                    label=request.POST.get("label", ""),
                    seal_for=seal_school,
                )
            elif kind == "app":
                credential = actions.register_app_certificate(
                    by=request.user,
                    staff=staff,
                    certificate_file=upload.read(MAX_CERTIFICATE_BYTES) if upload else b"",
                    label=request.POST.get("label", ""),
                )
            else:
                credential = actions.register_certificate_file(
                    by=request.user,
                    staff=staff,
                    pkcs12=upload.read(MAX_CERTIFICATE_BYTES) if upload else b"",
                    password=request.POST.get("password", ""),
                    label=request.POST.get("label", ""),
                    seal_for=seal_school,
                )
        except DomainError as exc:
            error = str(exc.message)
        else:
            return render(request, "signing/registered.html", {"credential": credential})
    mine = models.SigningCredential.objects.filter(staff=staff).order_by("-not_after") if staff else []
    return render(request, "signing/register.html", {"schools": schools, "error": error, "credentials": mine})


APP_KEY_LABEL = "Ứng dụng ký số"  # the API token's name, shown in the list


@requires(is_signer)
def app_connection(request: HttpRequest) -> HttpResponse:
    """Connect a phone signing app: a new API token shown once (text and QR code), the list of the
    signer's tokens, and revocation. The QR holds ``hocbaso-app:`` + JSON ``{"server", "token"}``."""
    import json

    import segno
    from django.conf import settings

    from hocbaso.accounts.actions import create_token, revoke_token
    from hocbaso.accounts.models import ApiToken, User

    user = request.user
    assert isinstance(user, User)  # requires(is_signer) lets only signed-in staff through
    mine = ApiToken.objects.filter(user=user).order_by("-created_at")
    secret = qr = ""
    if request.method == "POST":
        if request.POST.get("revoke"):
            revoke_token(by=user, token=get_object_or_404(mine, pk=request.POST["revoke"]))
            return redirect("signing:app")
        _token, secret = create_token(by=user, user=user, name=APP_KEY_LABEL)
        payload = "hocbaso-app:" + json.dumps({"server": settings.PUBLIC_BASE_URL, "token": secret})
        qr = segno.make(payload, error="m").svg_inline(scale=4)
    return render(request, "signing/app.html", {"tokens": mine, "secret": secret, "qr": qr})
