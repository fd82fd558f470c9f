"""Digitising refuses what breaks its rules: separation of duties, another school, a missing rating."""

from __future__ import annotations

import pytest

from hocbaso.audit.models import AuditEvent
from hocbaso.core.errors import DomainError
from hocbaso.records import digitising_actions
from hocbaso.records.digitising_models import BookState, DigitisedBook
from hocbaso.records.models import RecordVersion
from hocbaso.testing import World
from hocbaso.verification.tests.digitised import digitise, transcription, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def _code(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def test_the_transcriber_cannot_compare(world: World) -> None:
    book = upload(world)
    digitising_actions.transcribe(by=world.users["clerk"], book=book, values=transcription(book.class_group))
    assert _code(lambda: digitising_actions.compare(by=world.users["clerk"], book=book)) == "comparer_is_transcriber"
    book.refresh_from_db()
    assert book.state == BookState.TRANSCRIBED and book.version is None
    assert not RecordVersion.objects.exists()


def test_the_database_refuses_a_comparer_who_transcribed(world: World) -> None:
    from django.db import IntegrityError, transaction

    from hocbaso.core import clock

    book = upload(world)
    digitising_actions.transcribe(by=world.users["clerk"], book=book, values=transcription(book.class_group))
    book.refresh_from_db()
    book.compared_by, book.compared_at = world.users["clerk"], clock.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        book.save()


def test_a_clerk_of_another_school_is_refused(world: World) -> None:
    assert _code(lambda: upload(world, by="principal_b")) == "not_allowed"
    book = upload(world)
    values = transcription(book.class_group)
    assert (
        _code(lambda: digitising_actions.transcribe(by=world.users["principal_b"], book=book, values=values))
        == "not_allowed"
        == "not_allowed"
    )
    digitising_actions.transcribe(by=world.users["clerk"], book=book, values=values)
    assert _code(lambda: digitising_actions.compare(by=world.users["principal_b"], book=book)) == "not_allowed"


@pytest.mark.parametrize("persona", ["homeroom", "teacher", "officer", "stranger", "operator"])
def test_only_school_heads_and_the_clerk_digitise(world: World, persona: str) -> None:
    assert _code(lambda: upload(world, by=persona)) == "not_allowed"


def test_a_transcription_with_a_missing_rating_is_refused(world: World) -> None:
    book = upload(world)
    values = transcription(book.class_group, missing="math")
    with pytest.raises(DomainError) as caught:
        digitising_actions.transcribe(by=world.users["clerk"], book=book, values=values)
    assert caught.value.code == "xml_invalid"
    assert "math" in str(caught.value.message)
    book.refresh_from_db()
    assert book.state == BookState.SCANNED and book.transcription is None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"result": "excellent"}, "transcription_result_invalid"),
        ({"days_absent": "-3"}, "transcription_days_invalid"),
        ({"subjects": {"math": {"rating": "A"}}}, "transcription_rating_invalid"),
        ({"subjects": {"math": {"rating": "T", "score": 11}}}, "transcription_score_invalid"),
    ],
)
def test_a_transcription_out_of_range_is_refused(world: World, change: dict, code: str) -> None:  # type: ignore[type-arg]
    book = upload(world)
    values = {**transcription(book.class_group), **change}
    assert _code(lambda: digitising_actions.transcribe(by=world.users["clerk"], book=book, values=values)) == code


def test_a_pupil_not_in_the_class_and_a_second_book_are_refused(world: World) -> None:
    assert _code(lambda: upload(world, student="cuong")) == "student_not_in_class"
    digitise(world)
    assert _code(lambda: upload(world)) == "digitised_book_exists"


def test_a_compared_book_is_never_transcribed_again(world: World) -> None:
    version = digitise(world)
    book = DigitisedBook.objects.get(version=version)
    values = transcription(book.class_group)
    assert (
        _code(lambda: digitising_actions.transcribe(by=world.users["clerk"], book=book, values=values))
        == "digitised_book_state"
    )


def test_every_step_is_audited(world: World) -> None:
    digitise(world)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-4:] == ["digitising.scan_upload", "digitising.transcribe", "digitising.compare", "record.freeze"]
