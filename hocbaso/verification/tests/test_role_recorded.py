"""The signer's role on the signing date is proven only by appointments recorded before the signature."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hocbaso.directory.models import Appointment
from hocbaso.records.models import RecordVersion
from hocbaso.signing.models import SignatureEvent
from hocbaso.testing import World
from hocbaso.verification import core, registry
from hocbaso.verification.tests.helpers import signed_pdf


def test_an_appointment_recorded_after_the_signature_proves_nothing(issued: RecordVersion, world: World) -> None:
    """A backdating insider writes the homeroom appointment (from 2019) after the signature: invalid."""
    assert registry.verify_document(signed_pdf(issued)).outcome == "valid"
    event = SignatureEvent.objects.get(version=issued, role="homeroom")
    Appointment.objects.filter(pk=event.appointment_id).update(
        valid_from=dt.date(2019, 1, 1), recorded_at=event.signed_at + dt.timedelta(minutes=1)
    )
    report = registry.verify_document(signed_pdf(issued))
    assert (report.outcome, report.reason) == ("invalid", "signer_not_appointed")


def _signature(moment: dt.datetime) -> Any:
    return core.SignatureInfo("homeroom", "GV", "AB", moment, "valid", ())


def test_offline_registry_answers_carry_when_each_appointment_was_recorded() -> None:
    """The offline verifier applies the same rule to a downloaded registry answer (older files: two items)."""
    signed = dt.datetime(2025, 10, 1, 3, 0, tzinfo=dt.UTC)
    answer = core.SignerAnswer(
        "homeroom", "AB", "GV", "Giáo viên chủ nhiệm", ((dt.date(2025, 9, 1), None, signed + dt.timedelta(hours=1)),)
    )
    registry_answers = core.RegistryAnswers(found=True, issuance_code="X", signers=(answer,))
    again = core.RegistryAnswers.from_json(registry_answers.to_json())
    assert again.signers[0].entitled == answer.entitled
    checks = core._signer_checks([_signature(signed)], again)
    assert [c.code for c in checks] == ["signer_not_appointed"]
    data = registry_answers.to_json()
    data["signers"][0]["entitled"] = [["2025-09-01", None]]  # a file written before recording times existed
    old = core.RegistryAnswers.from_json(data)
    assert [c.code for c in core._signer_checks([_signature(signed)], old)] == ["signer_ok"]
