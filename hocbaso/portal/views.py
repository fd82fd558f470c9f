"""Portal pages.

- Family (a guardian with an active access): their children, a child's page (years, files,
  verification, learning history, the school's contact, share links, consent requests), file
  downloads, share links made and revoked, consent answered. Every object comes through
  ``permissions`` scoped to the guardian's own children: anything else is a 404.
- Public: activation with a letter, the guardian sign-in (both throttled), a share link's page.
- School (managers today): classes, letters printed in bulk per class, a student's accesses
  revoked and reissued.

Every view carries one URL rule; writes go through ``actions``.
"""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocbaso.accounts.acting import acting_user
from hocbaso.accounts.forms import SignInForm
from hocbaso.accounts.views import LoginView
from hocbaso.audit import actions as audit
from hocbaso.core import clock
from hocbaso.core.clients import client_address
from hocbaso.core.collation import sort_students
from hocbaso.core.errors import DomainError
from hocbaso.core.forms import add_domain_error
from hocbaso.core.permissions import public, requires
from hocbaso.directory.models import ConsentState, SchoolYear, Student
from hocbaso.directory.permissions import is_school_manager, staff_of
from hocbaso.portal import actions, family, forms, letters, permissions
from hocbaso.portal.models import GuardianAccess, ShareLink
from hocbaso.portal.permissions import is_guardian

SHARE_SESSION_KEY = "portal.shares"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- public: activation and sign-in ------------------------------------------------------------


@public
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """Activate a letter: its code and the child's birth date, then a login of one's own."""
    adding_child = is_guardian(request.user) and staff_of(request.user) is None
    form = forms.ActivationForm(request.POST or None, adding_child=adding_child)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            access = actions.activate(
                by=request.user,
                code=data["code"],
                date_of_birth=data["date_of_birth"],
                username=data.get("username", ""),
                password=data.get("password", ""),
                display_name=data.get("display_name", ""),
                client=client_address(request),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            if not adding_child:
                assert access.user is not None
                auth_login(request, access.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Done: you can now see %(name)s's record.") % {"name": access.student.full_name}
            )
            return redirect("portal:child", access.student_id)
    elif request.method == "POST":
        status = 400
    return render(request, "portal/activate.html", {"form": form, "adding_child": adding_child}, status=status)


class GuardianSignInForm(SignInForm):
    """The project's sign-in (throttled and audited by ``accounts.signin``), for guardian logins only:
    a staff login is refused here with the same message as a wrong password (staff sign in, with
    their second factor, on the staff page)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.user_cache is not None and not is_guardian(self.user_cache):
            self.user_cache = None
            raise ValidationError(_("Wrong username or password."), code="signin_failed")
        return cleaned


@public
class FamilyLoginView(LoginView):
    """The family sign-in page: the staff page's door (throttled, audited) with the family form."""

    template_name = "portal/login.html"
    authentication_form = GuardianSignInForm  # type: ignore[assignment]
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("portal:home")


# --- family pages ------------------------------------------------------------------------------


def _child_or_404(request: HttpRequest, pk: int) -> Student:
    return get_object_or_404(permissions.children_of(request.user).select_related("school"), pk=pk)


@requires(is_guardian)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The guardian's children; straight to the child's page when there is only one."""
    children = sort_students(permissions.children_of(request.user).select_related("school"))
    if len(children) == 1:
        return redirect("portal:child", children[0].pk)
    return render(request, "portal/home.html", {"children": children})


def _shares_of(student: Student) -> list[dict[str, Any]]:
    links = (
        ShareLink.objects.filter(student=student).prefetch_related("school_years", "openings").order_by("-created_at")
    )
    now = clock.now()
    return [
        {
            "link": link,
            "state": link.state_at(now),
            "years": sorted(year.code for year in link.school_years.all()),
            "openings": list(link.openings.all()),
        }
        for link in links
    ]


@requires(is_guardian)
@require_GET
def child(request: HttpRequest, pk: int) -> HttpResponse:
    """A child's page: every issued year with its files and their verification, history, contact, shares, consent."""
    student = _child_or_404(request, pk)
    versions = list(family.issued_versions(student))
    consents = student.consent_requests.select_related("requesting_school").order_by("-requested_at")
    return render(
        request,
        "portal/child.html",
        {
            "student": student,
            "school": student.school,
            "school_address": student.school.address_on(clock.today()),
            "entries": family.entries(versions),
            "history": family.history(versions),
            "shares": _shares_of(student),
            "pending_consents": [c for c in consents if c.state == ConsentState.PENDING],
            "answered_consents": [c for c in consents if c.state != ConsentState.PENDING],
        },
    )


def _version_of(student: Student, code: str) -> Any:
    version = family.issued_versions(student).filter(issuance_code=code).first()
    if version is None:
        raise Http404
    return version


@requires(is_guardian)
@require_GET
def child_file(request: HttpRequest, pk: int, code: str, kind: str) -> HttpResponse:
    """A sealed version's PDF or XML, for a guardian of its child."""
    student = _child_or_404(request, pk)
    version = _version_of(student, code)
    try:
        content, content_type, filename = family.file_of(version, kind)
    except FileNotFoundError:
        raise Http404 from None
    audit.record(
        by=request.user,
        action="portal.file_read",
        obj=version,
        school_id=student.school_id,
        changes={"kind": [None, kind]},
    )
    return _download(content, content_type, filename)


def _year_choices(student: Student) -> list[tuple[str, str]]:
    return [
        (str(v.school_year_id), f"{v.school_year.code} — {_('class')} {v.class_group.name}")
        for v in family.current_issued(student)
    ]


def qr_markup(url: str) -> str:
    """An inline SVG QR code of ``url`` (segno), decorative: the link is also written out."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)


@requires(is_guardian)
@require_http_methods(["GET", "POST"])
def share_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a share link for chosen years; the link (and its QR) is shown once, on success."""
    student = _child_or_404(request, pk)
    choices = _year_choices(student)
    form = forms.ShareForm(request.POST or None, year_choices=choices)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        years = list(SchoolYear.objects.filter(pk__in=[int(y) for y in data["years"]]))
        try:
            link, token = actions.create_share(
                by=acting_user(request),
                student=student,
                school_years=years,
                days=data["days"],
                pin=data["pin"].strip(),
                label=data["label"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = 400
        else:
            url = request.build_absolute_uri(reverse("portal:share", args=[token]))
            return render(
                request,
                "portal/share_made.html",
                {
                    "student": student,
                    "link": link,
                    "url": url,
                    "qr": qr_markup(url),
                    "years": sorted(y.code for y in years),
                    "pin": bool(data["pin"].strip()),
                },
            )
    elif request.method == "POST":
        status = 400
    return render(
        request, "portal/share_form.html", {"student": student, "form": form, "has_years": bool(choices)}, status=status
    )


@requires(is_guardian)
@require_POST
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(permissions.visible_shares(request.user), pk=pk)
    try:
        actions.revoke_share(by=acting_user(request), link=link)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The link is revoked: it no longer opens anything."))
    return redirect(f"{reverse('portal:child', args=[link.student_id])}#shares")


@requires(is_guardian)
@require_POST
def consent_answer(request: HttpRequest, pk: int) -> HttpResponse:
    consent = get_object_or_404(permissions.visible_consents(request.user), pk=pk)
    answer = request.POST.get("answer")
    if answer not in ("accept", "refuse", "revoke"):
        messages.error(request, _("Choose to accept or to refuse."))
        return redirect(f"{reverse('portal:child', args=[consent.student_id])}#consent")
    try:
        if answer == "revoke":
            actions.revoke_consent(by=acting_user(request), consent=consent)
        else:
            actions.answer_consent(
                by=acting_user(request), consent=consent, accepted=answer == "accept", note=request.POST.get("note", "")
            )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        done = _("Your consent is revoked: nothing more will be sent.") if answer == "revoke" else None
        messages.success(request, done or _("Your answer is recorded and sent to the school."))
    return redirect(f"{reverse('portal:child', args=[consent.student_id])}#consent")


# --- public: a share link ----------------------------------------------------------------------


def _granted(request: HttpRequest) -> list[int]:
    return list(request.session.get(SHARE_SESSION_KEY, []))


def _closed(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "portal/share_closed.html", {"error": exc}, status=exc.status)


@public
@require_http_methods(["GET", "POST"])
def share(request: HttpRequest, token: str) -> HttpResponse:
    """A share link: who is looking (and the PIN), then only the chosen years with their verification."""
    try:
        link = actions.link_for_token(token)
    except DomainError as exc:
        return _closed(request, exc)
    form = forms.OpenShareForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.open_share(
                    by=request.user, link=link, viewer=form.cleaned_data["viewer"], pin=form.cleaned_data["pin"]
                )
            except actions.ShareClosed as exc:
                return _closed(request, exc)
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                request.session[SHARE_SESSION_KEY] = [*_granted(request), link.pk][-20:]
                return redirect("portal:share", token)
        else:
            status = 400
    try:
        actions.ensure_open(link)
    except actions.ShareClosed as exc:
        return _closed(request, exc)
    if link.pk not in _granted(request) or request.method == "POST":
        return render(request, "portal/share_open.html", {"form": form, "link": link}, status=status)
    versions = _shared_versions(link)
    return render(
        request,
        "portal/share.html",
        {"link": link, "student": link.student, "entries": family.entries(versions), "token": token},
    )


def _shared_versions(link: ShareLink) -> list[Any]:
    years = set(link.school_years.values_list("pk", flat=True))
    return [v for v in family.current_issued(link.student) if v.school_year_id in years]


@public
@require_GET
def share_file(request: HttpRequest, token: str, code: str, kind: str) -> HttpResponse:
    """A shared year's PDF or XML, while the link is open and this browser opened it."""
    try:
        link = actions.link_for_token(token)
        actions.ensure_open(link)
    except DomainError as exc:
        return _closed(request, exc)
    if link.pk not in _granted(request):
        return redirect("portal:share", token)
    version = next((v for v in _shared_versions(link) if v.issuance_code == code), None)
    if version is None:
        raise Http404
    try:
        content, content_type, filename = family.file_of(version, kind)
    except FileNotFoundError:
        raise Http404 from None
    audit.record(
        by=request.user,
        action="portal.share_file",
        obj=link,
        school_id=link.student.school_id,
        changes={"file": [None, f"{code}.{kind}"]},
    )
    return _download(content, content_type, filename)


# --- school pages ------------------------------------------------------------------------------


@requires(is_school_manager)
@require_GET
def letters_home(request: HttpRequest) -> HttpResponse:
    """The classes whose letters the manager may print (newest year first)."""
    classes = (
        permissions.letter_classes(request.user)
        .select_related("school", "school_year")
        .order_by("-school_year__code", "school__name", "grade", "name")
    )
    return render(request, "portal/letters_home.html", {"classes": classes})


@requires(is_school_manager)
@require_http_methods(["GET", "POST"])
def class_letters(request: HttpRequest, pk: int) -> HttpResponse:
    """A class's students and their accesses; POST prints new letters for the whole class (a PDF)."""
    class_group = get_object_or_404(
        permissions.letter_classes(request.user).select_related("school", "school_year"), pk=pk
    )
    form = forms.LettersForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            issued = actions.issue_class_letters(
                by=acting_user(request), class_group=class_group, copies=form.cleaned_data["copies"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = 400
        else:
            pdf = letters.render_letters(issued, school=class_group.school)
            return _download(
                pdf, "application/pdf", f"thu-kich-hoat-{class_group.name}-{class_group.school_year.code}.pdf"
            )
    elif request.method == "POST":
        status = 400
    students = actions.class_students(class_group)
    counts: dict[int, dict[str, int]] = {
        row["student_id"]: {"active": row["active"], "pending": row["pending"]}
        for row in GuardianAccess.objects.filter(student__in=students)
        .values("student_id")
        .annotate(
            active=Count("pk", filter=Q(state=GuardianAccess.State.ACTIVE)),
            pending=Count("pk", filter=Q(state=GuardianAccess.State.PENDING)),
        )
    }
    rows = [
        {
            "student": s,
            "active": counts.get(s.pk, {}).get("active", 0),
            "pending": counts.get(s.pk, {}).get("pending", 0),
        }
        for s in students
    ]
    return render(
        request, "portal/class_letters.html", {"class_group": class_group, "rows": rows, "form": form}, status=status
    )


@requires(is_school_manager)
@require_http_methods(["GET", "POST"])
def student_access(request: HttpRequest, pk: int) -> HttpResponse:
    """A student's accesses (guardians and unused letters); POST prints one more letter."""
    student = get_object_or_404(permissions.letter_students(request.user).select_related("school"), pk=pk)
    if request.method == "POST":
        try:
            letter = actions.issue_letter(by=acting_user(request), student=student)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("portal:student", student.pk)
        pdf = letters.render_letters([letter], school=student.school)
        return _download(pdf, "application/pdf", f"thu-kich-hoat-{student.pk}-{letter.access.code_hint}.pdf")
    accesses = GuardianAccess.objects.filter(student=student).select_related("user", "issued_by", "revoked_by")
    return render(
        request,
        "portal/student_access.html",
        {"student": student, "accesses": accesses.order_by("-issued_at"), "revoke_form": forms.RevokeForm()},
    )


@requires(is_school_manager)
@require_POST
def access_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_object_or_404(
        GuardianAccess.objects.filter(student__in=permissions.letter_students(request.user)).select_related("student"),
        pk=pk,
    )
    form = forms.RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        actions.revoke_access(by=acting_user(request), access=access, reason=reason)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Access revoked."))
    return redirect("portal:student", access.student_id)
