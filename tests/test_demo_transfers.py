"""The demo's transfers: two finished inside the province (during the year, at the change of
year) and one waiting, made through the real actions with the demo PKI."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from hocbaso.assessments.models import AssessmentEntry
from hocbaso.demo import issuing, transfers
from hocbaso.transfers.models import Transfer, TransferState


@pytest.mark.django_db
def test_demo_transfers(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo-data", "--seed", "1")
    call_command("pki", "init")
    assert transfers.make(issuing.digital_schools(), say=lambda _line: None) == 3
    states = sorted(Transfer.objects.values_list("state", flat=True))
    assert states == [TransferState.ACCEPTED, TransferState.ACCEPTED, TransferState.DECIDED]
    mid_year = Transfer.objects.get(desired_date="2026-01-05")
    carried = AssessmentEntry.objects.filter(student=mid_year.student, school_year__code="2025-2026")
    assert carried.exists() and {e.class_group.school_id for e in carried} == {mid_year.from_school_id}
    assert transfers.make(issuing.digital_schools()) == 0  # safe to run again
