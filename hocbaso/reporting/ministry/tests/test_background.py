"""The Sở's batch is prepared in the background, not in the web request: the request checks the
officer, the seal and its password and queues a task; the task maps, builds, seals and stores the
batch with progress, then queues the sending. A form submitted twice prepares one batch; a
password handed to the task is kept encrypted and deleted once used; a task that cannot prepare
leaves the batch ``not_prepared`` and sends nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from hocbaso.audit.models import AuditEvent
from hocbaso.core import clock
from hocbaso.core.errors import Conflict, DomainError, PermissionRefused
from hocbaso.reporting import authorisations
from hocbaso.reporting.ministry import actions
from hocbaso.reporting.ministry.models import Submission, SubmissionState
from hocbaso.reporting.ministry.receiver import MinistryStore
from hocbaso.reporting.ministry.tests.conftest import PASSWORD, issue
from hocbaso.reporting.models import PendingAuthorisation
from hocbaso.testing import World


@pytest.fixture
def issued(world: World) -> list[Any]:
    return [issue(world), issue(world, class_group=world.class_3b), issue(world, class_group=world.class_b_3a)]


def _ask(world: World, department: Any, **kwargs: Any) -> Submission:
    return actions.request_batch(
        by=world.users["province_officer"],
        department=department,
        school_year=world.year,
        authorisation=kwargs.pop("authorisation", PASSWORD),
        **kwargs,
    )


def test_the_page_queues_the_batch_and_the_task_seals_and_sends_it(  # type: ignore[no-untyped-def]
    world: World, department, endpoint, store: MinistryStore, issued, login, django_capture_on_commit_callbacks
) -> None:
    client = login("province_officer")
    page = client.get(f"/reports/ministry/{department.pk}/?year={world.year.code}").content.decode()
    assert 'name="request_key"' in page
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = client.post(
            f"/reports/ministry/{department.pk}/?year={world.year.code}",
            {"authorisation": PASSWORD, "request_key": "k-1"},
        )
    submission = Submission.objects.get()
    assert answer.status_code == 302 and answer.url == f"/reports/ministry/submissions/{submission.pk}/"
    assert len(callbacks) >= 1  # the preparation was queued, not done in the request
    submission.refresh_from_db()
    assert submission.state == SubmissionState.ACCEPTED and submission.accepted == 3
    assert submission.done == submission.total == 3 + 3  # a step per row, then build, seal, store
    assert submission.seal_fingerprint == department.seal.fingerprint
    assert not PendingAuthorisation.objects.exists()
    logged = list(
        AuditEvent.objects.filter(object_type="ministry.submission", object_id=str(submission.pk))
        .order_by("pk")
        .values_list("action", "channel")
    )
    assert logged == [
        ("ministry.batch_requested", "web"),
        ("ministry.batch_prepared", "task"),
        ("ministry.batch_answered", "task"),
    ]
    shown = client.get(f"/reports/ministry/submissions/{submission.pk}/").content.decode()
    assert submission.body_sha256 in shown and submission.seal_fingerprint in shown
    assert "hx-trigger" not in shown  # nothing left to poll


def test_progress_is_shown_while_preparing_and_the_secret_is_kept_encrypted(  # type: ignore[no-untyped-def]
    world: World, department, issued, login
) -> None:
    submission = _ask(world, department)  # the task is queued on commit: not run inside this test's transaction
    assert submission.state == SubmissionState.PREPARING and submission.body_sha256 == ""
    kept = PendingAuthorisation.objects.get(purpose=authorisations.MINISTRY_BATCH, object_id=submission.pk)
    assert PASSWORD not in kept.sealed
    client = login("province_officer")
    page = client.get(f"/reports/ministry/submissions/{submission.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "<progress" in page
    polled = client.get(f"/reports/ministry/submissions/{submission.pk}/", headers={"HX-Request": "true"})
    assert polled.content.decode().startswith('<div id="batch-progress"')
    with pytest.raises(Conflict) as early:
        actions.retry(by=world.users["province_officer"], submission=submission)
    assert early.value.code == "submission_preparing"
    done = actions.build_batch(submission_id=submission.pk)
    assert done.state == SubmissionState.QUEUED and done.row_count == 3 and done.body_sha256
    assert not PendingAuthorisation.objects.exists()
    assert actions.build_batch(submission_id=submission.pk).state == SubmissionState.QUEUED  # twice: no-op


def test_a_double_submit_prepares_one_batch(world: World, department, issued) -> None:  # type: ignore[no-untyped-def]
    first = _ask(world, department, request_key="form-1")
    assert _ask(world, department, request_key="form-1") == first  # the same form again
    assert _ask(world, department, request_key="form-2") == first  # another while this year is preparing
    assert Submission.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds one preparing per Sở-year
        Submission.objects.create(
            department=department,
            school_year=world.year,
            kind=first.kind,
            mapping_version=first.mapping_version,
            batch_id="51-other",
            state=SubmissionState.PREPARING,
            created_by=world.users["province_officer"],
            created_at=clock.now(),
        )
    actions.build_batch(submission_id=first.pk)
    assert _ask(world, department, request_key="form-1") == first  # still the batch that form asked for


def test_a_wrong_password_or_an_outsider_queues_nothing(world: World, department, issued) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as wrong:
        _ask(world, department, authorisation="sai")
    assert wrong.value.code == "pkcs12_unreadable"
    for persona in ("officer", "district_officer", "principal", "operator"):
        with pytest.raises(PermissionRefused):
            actions.request_batch(
                by=world.users[persona], department=department, school_year=world.year, authorisation=PASSWORD
            )
    assert not Submission.objects.exists() and not PendingAuthorisation.objects.exists()


def test_an_expired_authorisation_leaves_the_batch_not_prepared(world: World, department, issued) -> None:  # type: ignore[no-untyped-def]
    submission = _ask(world, department)
    PendingAuthorisation.objects.update(expires_at=clock.now() - dt.timedelta(seconds=1))
    failed = actions.build_batch(submission_id=submission.pk)
    assert failed.state == SubmissionState.NOT_PREPARED and failed.error == "authorisation_expired"
    assert failed.rows.count() == 0 and failed.body_name == ""
    assert not PendingAuthorisation.objects.exists()
    assert AuditEvent.objects.filter(action="ministry.batch_not_prepared", object_id=str(submission.pk)).exists()
    again = _ask(world, department)  # a new batch may be asked for
    assert again != submission and again.state == SubmissionState.PREPARING


def test_the_api_answers_the_batch_being_prepared(  # type: ignore[no-untyped-def]
    world: World, department, issued, login
) -> None:
    client = login("province_officer")
    body = {"department_id": department.pk, "school_year": world.year.code, "authorisation": PASSWORD}
    made = client.post(
        "/api/v1/reports/ministry/submissions",
        json.dumps({**body, "request_key": "api-1"}),
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    answer = made.json()
    assert answer["state"] in ("preparing", "queued", "accepted", "retrying", "failed")
    again = client.post(
        "/api/v1/reports/ministry/submissions",
        json.dumps({**body, "request_key": "api-1"}),
        content_type="application/json",
    )
    assert again.json()["id"] == answer["id"]
