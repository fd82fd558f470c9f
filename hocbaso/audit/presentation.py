"""The audit trail as people read it: who (the person's name), what (a Vietnamese label per action
code), which student, record or class (a name and a link), when (dd/mm/yyyy HH:MM), and each
change whole and in words (choices translated, dates as dd/mm/yyyy, yes/no), hashes shortened.

The audit app sits under every domain app, so it cannot import their models: each app registers,
in its ``AppConfig.ready``, a describer for its object types (``register_object``) and, for the
class/student filter, which of its objects concern given students (``register_related``). The
labels of action codes live here, in one table that a test holds complete against the code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hocbaso.audit.models import AuditEvent, Channel

# --- what happened: one label per action code ------------------------------------------------------

ACTIONS: dict[str, Any] = {
    "account.password_changed": _("Changed their password"),
    "account.password_reset": _("Reset a staff member's password"),
    "admission.export": _("Exported the grade-6 admission list"),
    "api_token.create": _("Created an API key"),
    "api_token.revoke": _("Revoked an API key"),
    "appointment.create": _("Appointed a staff member"),
    "appointment.end": _("Ended an appointment"),
    "assessments.carry_year": _("Carried assessments over from another school"),
    "assessments.save": _("Entered assessments"),
    "award.confirm": _("Confirmed an award"),
    "award.decline": _("Declined an award"),
    "award.grant": _("Granted an award"),
    "certificate.locked": _("Certificate locked after wrong passwords"),
    "certificate.wrong_secret": _("Wrong certificate password or PIN"),
    "comment_bank.add": _("Added a comment to the comment bank"),
    "comment_bank.remove": _("Removed a comment from the comment bank"),
    "consent.accept": _("The family consented to a transfer"),
    "consent.refuse": _("The family refused a transfer"),
    "consent.request": _("Asked the family's consent"),
    "consent.revoke": _("The family revoked its consent"),
    "consent.withdraw": _("Withdrew a consent request"),
    "demo.load": _("Loaded the demo data"),
    "digitising.batch_start": _("Started digitising a batch of paper books"),
    "digitising.compare": _("Compared a digitised book with its scan"),
    "digitising.read": _("Opened a digitised paper book"),
    "digitising.read_scan": _("Opened the scan of a paper book"),
    "digitising.scan_upload": _("Uploaded the scan of a paper book"),
    "digitising.transcribe": _("Typed the results of a paper book"),
    "directory.paper_mode": _("Set a school year to paper or digital records"),
    "enrolment.create": _("Enrolled a student in a class"),
    "ledger.append": _("Added to the public log"),
    "ledger.publish": _("Published the public log's summary"),
    "ministry.batch_answered": _("Received the Ministry store's answer"),
    "ministry.batch_body_damaged": _("Found a batch for the Ministry damaged"),
    "ministry.batch_not_prepared": _("A batch for the Ministry could not be prepared"),
    "ministry.batch_not_reached": _("Could not reach the Ministry store"),
    "ministry.batch_prepared": _("Prepared and sealed a batch for the Ministry"),
    "ministry.batch_requested": _("Asked for a batch for the Ministry to be prepared"),
    "ministry.batch_retry": _("Sent a batch to the Ministry again"),
    "ministry.department_configured": _("Configured the Department for the Ministry export"),
    "ministry.seal_set": _("Set the Department's seal"),
    "portal.access_revoke": _("Revoked a family's access"),
    "portal.activate": _("A family activated its access"),
    "portal.activation_failed": _("Failed family activation"),
    "portal.activation_locked": _("Family activation locked"),
    "portal.file_read": _("A family downloaded a record"),
    "portal.letter_issue": _("Issued a family access letter"),
    "portal.letters_issue": _("Printed the family access letters of a class"),
    "portal.share_create": _("A family shared records by a link"),
    "portal.share_file": _("A shared record was downloaded"),
    "portal.share_open": _("A share link was opened"),
    "portal.share_pin_failed": _("Wrong PIN on a share link"),
    "portal.share_refused": _("A share link was refused"),
    "portal.share_revoke": _("A family revoked a share link"),
    "readiness.declare": _("Declared the school's conditions"),
    "record.archive_renew": _("Renewed a record's archive timestamp"),
    "record.assembly_start": _("Started assembling records"),
    "record.correction_approve": _("Approved a record correction"),
    "record.correction_reject": _("Rejected a record correction"),
    "record.correction_request": _("Requested a record correction"),
    "record.download_class": _("Downloaded a class's issued records"),
    "record.freeze": _("Prepared a record for signing"),
    "record.paper_book": _("Recorded a signed paper book"),
    "record.paper_print": _("Printed paper book pages"),
    "record.print_class": _("Printed a class's issued records"),
    "record.read": _("Opened a record"),
    "record.sign": _("Signed a record"),
    "report.sealed": _("Sealed a periodic report with its unit's or school's seal"),
    "report.start": _("Started a periodic report"),
    "results.compute": _("Computed year results"),
    "results.decide": _("Decided a year result"),
    "results.plan_assessment": _("Assessed an individual plan"),
    "results.plan_decide": _("Decided on an individual plan"),
    "second_factor.enrolled": _("Set up a second factor"),
    "second_factor.recovery_codes": _("Made new recovery codes"),
    "second_factor.reset": _("Removed someone's second factor"),
    "signin.failed": _("Failed sign-in"),
    "signin.locked": _("Sign-in locked after wrong passwords"),
    "signin.password_ok": _("Password accepted, second factor asked"),
    "signin.second_factor_failed": _("Wrong second-factor code"),
    "signin.succeeded": _("Signed in"),
    "signin.unlocked": _("Sign-in unlocked"),
    "signing.batch_create": _("Started signing a batch of records"),
    "signing.batch_lost": _("A signing batch stopped (worker lost)"),
    "signing.batch_resume": _("Resumed a signing batch"),
    "signing.credential_register": _("Registered a certificate"),
    "signing.unit_seal_retired": _("Retired a unit's seal replaced by a new one"),
    "student.create": _("Added a student"),
    "student.history.read": _("Opened a student's assessment history"),
    "student.move": _("Moved a student to another class"),
    "student.prior_schooling": _("Recorded a student's earlier schooling"),
    "student.read": _("Opened a student's page"),
    "student.update": _("Changed a student's details"),
    "student.withdraw": _("Withdrew a student"),
    "student_year.update": _("Changed the year page (absences, height, weight, comment)"),
    "supervision.follow_up_confirm": _("Confirmed a follow-up"),
    "supervision.follow_up_mark_done": _("Marked a follow-up done"),
    "supervision.follow_up_reopen": _("Reopened a follow-up"),
    "supervision.visit_corrected": _("Corrected a supervision visit"),
    "supervision.visit_recorded": _("Recorded a supervision visit"),
    "transfer.accept": _("Accepted a transfer"),
    "transfer.cancel": _("Cancelled a transfer"),
    "transfer.decide": _("Signed a transfer decision"),
    "transfer.export": _("Exported a transfer bundle"),
    "transfer.import": _("Imported a transfer bundle"),
    "transfer.receipt": _("Received a transfer receipt"),
    "transfer.refuse": _("Refused a transfer"),
    "transfer.request": _("Requested a transfer"),
    "trust.import": _("Imported another system's trust settings"),
    "window.close": _("Closed an entry window"),
    "window.deadline": _("Set an entry window's deadline"),
    "window.open": _("Opened an entry window"),
    "window.reopen": _("Reopened an entry window"),
}

# The "kind of action" filter: groups by the code's first word.
GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "signin": (_("Sign-in and accounts"), ("signin", "second_factor", "account", "api_token")),
    "students": (_("Students and classes"), ("student", "student_year", "enrolment")),
    "staff": (_("Appointments"), ("appointment",)),
    "assessments": (_("Assessments and results"), ("assessments", "results", "award", "comment_bank", "window")),
    "records": (_("Records: reading, assembling, correcting"), ("record",)),
    "paper": (_("Paper records and digitising"), ("directory", "digitising")),
    "signing": (_("Signing and certificates"), ("signing", "certificate")),
    "families": (_("Families"), ("portal", "consent")),
    "transfers": (_("Transfers"), ("transfer", "admission", "trust")),
    "reporting": (
        _("Reports, readiness, supervision, the Ministry"),
        ("report", "readiness", "supervision", "ministry"),
    ),
    "system": (_("System"), ("ledger", "demo")),
}


def action_label(code: str) -> str:
    """The action in words; an unknown code reads as a generic phrase, never as the code."""
    found = ACTIONS.get(code)
    return str(found) if found is not None else gettext("Other action")


def group_prefixes(group: str) -> tuple[str, ...]:
    return GROUPS[group][1] if group in GROUPS else ()


# --- which object: describers registered by the apps ----------------------------------------------


@dataclass(frozen=True)
class Described:
    """An object as the audit page names it: words and, when the reader may open it, a link."""

    text: str
    url: str = ""


Describer = Callable[[Sequence[str]], dict[str, Described]]
Related = Callable[[Sequence[int]], dict[str, list[str]]]
_describers: dict[str, Describer] = {}
_related: list[Related] = []


def register_object(object_type: str, describer: Describer) -> None:
    """``describer(ids)`` → ``{id: Described}`` for the objects of ``object_type`` (``app.model``)."""
    _describers[object_type] = describer


def register_related(related: Related) -> None:
    """``related(student_ids)`` → ``{object_type: [ids]}``: the app's objects about those students."""
    if related not in _related:
        _related.append(related)


def related_to_students(student_ids: Sequence[int]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for related in _related:
        for object_type, ids in related(student_ids).items():
            found.setdefault(object_type, []).extend(str(i) for i in ids)
    return found


# Objects no describer names, by kind (a model's own verbose name is used when it is translated).
KINDS: dict[str, Any] = {
    "accounts.apitoken": _("API key"),
    "assessments.entrywindow": _("Entry window"),
    "assessments.assessmententry": _("Assessment"),
    "assessments.studentyear": _("Year page"),
    "assessments.award": _("Award"),
    "assessments.optionalsubject": _("Optional subject"),
    "assessments.commentbank": _("Comment bank"),
    "records.assemblyrun": _("Record assembly"),
    "records.correctionrequest": _("Correction request"),
    "ledger.ledgerentry": _("Public log entry"),
    "ledger.treehead": _("Public log summary"),
    "portal.guardianaccess": _("Family access"),
    "portal.sharelink": _("Share link"),
    "transfers.receivedrecord": _("Received record"),
}


def _kind_label(object_type: str) -> str:
    if object_type in KINDS:
        return str(KINDS[object_type])
    try:
        name = apps.get_model(object_type)._meta.verbose_name
    except (LookupError, ValueError):
        return gettext("Other object")
    words = str(name)  # a model without a translated name keeps Django's English default: not shown
    return words[:1].upper() + words[1:] if not words.isascii() else gettext("Other object")


# --- changes in words ----------------------------------------------------------------------------

FIELDS: dict[str, Any] = {
    "blocked": _("blocked"),
    "factor": _("second factor"),
    "recovery_codes": _("recovery codes"),
    "known_account": _("existing account"),
    "booklet": _("booklet"),
    "cells_changed": _("cells changed"),
    "certificate": _("certificate"),
    "class": _("class"),
    "class_group": _("class"),
    "client": _("address"),
    "code": _("code"),
    "computed": _("results computed"),
    "count": _("number"),
    "credential": _("certificate"),
    "decision": _("decision"),
    "done": _("done"),
    "ended": _("ended"),
    "enrolment": _("enrolment"),
    "entries": _("entries"),
    "entries_carried": _("entries carried over"),
    "expires_at": _("valid until"),
    "file": _("file"),
    "fingerprint": _("certificate fingerprint"),
    "for_organisation": _("school seal"),
    "from": _("from"),
    "guardian": _("guardian"),
    "is_open": _("open"),
    "issuance_code": _("issuance code"),
    "issued": _("issued"),
    "kind": _("kind"),
    "lifted": _("lifted"),
    "listed": _("listed"),
    "locked": _("locked"),
    "minutes": _("minutes"),
    "name": _("name"),
    "note": _("note"),
    "pending": _("waiting"),
    "pin": _("PIN"),
    "plan_assessment": _("individual plan assessment"),
    "plan_completed": _("individual plan completed"),
    "point": _("assessment point"),
    "reason": _("reason"),
    "recipient": _("recipient"),
    "records": _("records"),
    "removed": _("removed"),
    "replaced": _("replaced"),
    "requesting_school": _("requesting school"),
    "revoked_at": _("revoked at"),
    "role": _("role"),
    "rows": _("rows"),
    "school": _("school"),
    "school_year": _("school year"),
    "sent": _("sent"),
    "signature_event": _("signature"),
    "signer": _("signer"),
    "size": _("size"),
    "source": _("source"),
    "staff": _("staff member"),
    "state": _("state"),
    "status": _("status"),
    "student": _("student"),
    "superseded": _("replaced version"),
    "text": _("text"),
    "title": _("title"),
    "total": _("total"),
    "user": _("account"),
    "version": _("version"),
    "versions": _("versions"),
    "viewer": _("viewer"),
    "year": _("school year"),
    "years": _("school years"),
}
HASH_FIELDS = ("sha256", "hash", "fingerprint", "root")
# Recorded values that are codes of the audit trail itself (not a model's choices).
VALUES: dict[str, dict[str, Any]] = {
    "factor": {"totp": _("authenticator app"), "recovery_code": _("recovery code")},
    "locked": {
        "signin:account": _("wrong passwords for this account"),
        "signin:client": _("wrong passwords from this address"),
        "otp:account": _("wrong second-factor codes"),
        "certificate:account": _("wrong certificate passwords by this signer"),
        "certificate:credential": _("wrong passwords on this certificate"),
    },
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str
    single: bool = False  # a value recorded, not a change


@dataclass
class Row:
    event: AuditEvent
    when: dt.datetime
    who: str
    what: str
    target: Described
    changes: list[Change] = field(default_factory=list)
    short_hash: str = ""
    channel: str = ""


def _model_field(object_type: str, name: str) -> models.Field[Any, Any] | None:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            found = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        if isinstance(found, models.Field):
            return found
    return None


def field_label(object_type: str, name: str) -> str:
    if name in FIELDS:
        return str(FIELDS[name]).capitalize()
    model_field = _model_field(object_type, name)
    if model_field is not None and model_field.verbose_name and str(model_field.verbose_name) != name.replace("_", " "):
        return str(model_field.verbose_name).capitalize()
    return gettext("Other detail")


def value_text(object_type: str, name: str, value: Any, *, labels: Callable[[str, str], str] | None = None) -> str:
    """One recorded value in words: choices by their label, dates dd/mm/yyyy, yes/no, lists joined,
    hashes shortened; related objects by their name."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(value_text(object_type, name, v, labels=labels) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(
            f"{field_label(object_type, str(k))}: {value_text(object_type, str(k), v, labels=labels)}"
            for k, v in value.items()
        )
    text = str(value)
    if name in VALUES and text in VALUES[name]:
        return str(VALUES[name][text])
    if any(part in name for part in HASH_FIELDS) and len(text) > 16:
        return text[:12] + "…"
    model_field = _model_field(object_type, name)
    if model_field is not None:
        if model_field.choices:
            choices = {str(k): v for k, v in model_field.flatchoices}
            if text in choices:
                return str(choices[text])
        if isinstance(model_field, models.ForeignKey) and text.isdigit():
            related = model_field.related_model
            if isinstance(related, type) and issubclass(related, models.Model):
                found = related._default_manager.filter(pk=int(text)).first()
                if found is not None:
                    return str(found)
    if labels is not None:
        for kind in ("point", "subject"):
            if name in (kind, f"{kind}_code", "item_code"):
                return labels(kind, text)
    if ISO_DATE.match(text):
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        if len(text) == 10:
            return moment.strftime("%d/%m/%Y")
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%d/%m/%Y %H:%M")
    return text


def changes_of(event: AuditEvent, labels: Callable[[str, str], str] | None = None) -> list[Change]:
    found = []
    for name, value in (event.changes or {}).items():
        label = field_label(event.object_type, name)
        if isinstance(value, list) and len(value) == 2 and not name.endswith("s"):
            found.append(
                Change(
                    label,
                    value_text(event.object_type, name, value[0], labels=labels),
                    value_text(event.object_type, name, value[1], labels=labels),
                )
            )
        else:
            found.append(Change(label, "", value_text(event.object_type, name, value, labels=labels), single=True))
    return found


def rows_of(events: Iterable[AuditEvent], labels: Callable[[str, str], str] | None = None) -> list[Row]:
    """The rows of one page of events, each object named by its app's describer (one query per type)."""
    events = list(events)
    wanted: dict[str, list[str]] = {}
    for event in events:
        if event.object_type and event.object_id:
            wanted.setdefault(event.object_type, []).append(event.object_id)
    described: dict[tuple[str, str], Described] = {}
    for object_type, ids in wanted.items():
        describer = _describers.get(object_type)
        if describer is not None:
            for object_id, found in describer(sorted(set(ids))).items():
                described[(object_type, object_id)] = found
    channels = dict(Channel.choices)
    rows = []
    for event in events:
        who = (str(event.actor) if event.actor_id else "") or event.actor_label or gettext("The system")
        target = described.get((event.object_type, event.object_id)) or Described(
            _kind_label(event.object_type) if event.object_type else "—"
        )
        rows.append(
            Row(
                event=event,
                when=timezone.localtime(event.at),
                who=who,
                what=action_label(event.action),
                target=target,
                changes=changes_of(event, labels),
                short_hash=event.hash[:12],
                channel=str(channels.get(event.channel, "")),
            )
        )
    return rows
