"""Batch and approval states move through their transition tables (``signing.batch_states``), and
signing providers are found by credential kind and by source (``signing.providers``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import pytest

from hocbaso.core.errors import DomainError
from hocbaso.signing import batch_states, providers
from hocbaso.signing.models import CredentialKind, RemoteApproval, SigningBatch, SigningCredential
from hocbaso.signing.pki import DemoPKI
from hocbaso.signing.tests import factories
from hocbaso.testing import World

State = SigningBatch.State
ALL = [State.QUEUED, State.RUNNING, State.AWAITING, State.FINISHED, State.FAILED]


@pytest.mark.parametrize(
    ("start", "allowed"),
    [
        (State.QUEUED, {State.QUEUED, State.RUNNING, State.FAILED}),
        (State.RUNNING, {State.RUNNING, State.AWAITING, State.FINISHED, State.FAILED, State.QUEUED}),
        (State.AWAITING, {State.RUNNING, State.AWAITING, State.FINISHED, State.FAILED}),
        (State.FAILED, {State.RUNNING, State.QUEUED, State.FAILED, State.FINISHED}),
        (State.FINISHED, set()),
    ],
)
@pytest.mark.django_db
def test_a_batch_moves_only_as_its_table_allows(start: str, allowed: set[str], world: World, pki: DemoPKI) -> None:
    credential, _source = factories.register_credential(pki, world.users["homeroom"])
    batch = SigningBatch.objects.create(
        idempotency_key=f"states-{start}",
        created_by=world.users["homeroom"],
        signer=world.users["homeroom"].staff,
        role="homeroom",
        credential=credential,
        state=start,
    )
    for target in ALL:
        SigningBatch.objects.filter(pk=batch.pk).update(state=start)
        moved = batch_states.move_batch(batch.pk, target)
        assert bool(moved) is (target in allowed), (start, target)
        batch.refresh_from_db()
        assert batch.state == (target if target in allowed else start)


@pytest.mark.django_db
def test_a_move_is_a_compare_and_set_on_what_was_read(world: World, pki: DemoPKI) -> None:
    credential, _source = factories.register_credential(pki, world.users["homeroom"])
    batch = SigningBatch.objects.create(
        idempotency_key="cas",
        created_by=world.users["homeroom"],
        signer=world.users["homeroom"].staff,
        role="homeroom",
        credential=credential,
        state=State.RUNNING,
    )
    assert batch_states.move_batch(batch.pk, State.QUEUED, where={"state": State.FAILED}) == 0
    assert batch_states.move_batch(batch.pk, State.RUNNING, not_from=(State.RUNNING,)) == 0
    assert batch_states.move_batch(batch.pk, State.QUEUED, where={"state": State.RUNNING}) == 1


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (RemoteApproval.State.WAITING, RemoteApproval.State.SIGNED, True),
        (RemoteApproval.State.WAITING, RemoteApproval.State.REFUSED, True),
        (RemoteApproval.State.SIGNED, RemoteApproval.State.REFUSED, False),
        (RemoteApproval.State.REFUSED, RemoteApproval.State.SIGNED, False),
        (RemoteApproval.State.SIGNED, RemoteApproval.State.SIGNED, False),
    ],
)
def test_an_approval_is_answered_once(start: str, target: str, allowed: bool) -> None:
    assert (target in batch_states.APPROVAL_TRANSITIONS[start]) is allowed


def test_every_kind_that_signs_batches_has_one_provider() -> None:
    kinds = {kind for kind in CredentialKind.values if kind != CredentialKind.REMOTE_APP}
    assert set(providers.Provider.by_kind) == kinds


def test_a_new_provider_is_one_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """A provider subclass registers itself: ``source_for`` builds its sources, ``open_kit`` opens them."""
    monkeypatch.setattr(providers.Provider, "by_kind", dict(providers.Provider.by_kind))
    monkeypatch.setattr(providers.Provider, "by_source", dict(providers.Provider.by_source))
    opened: list[str] = []

    class Token:
        def __init__(self, pin: str):
            self.pin = pin

    class HardwareModule(providers.Provider):
        kind: ClassVar[str | None] = "hsm"
        source_type = Token

        @classmethod
        def build(cls, credential: Any, authorisation: str) -> Token:
            return Token(authorisation)

        @classmethod
        @contextmanager
        def open(cls, source: Token) -> Iterator[Any]:
            opened.append(source.pin)
            yield "kit"

    source = providers.source_for(SigningCredential(kind="hsm"), "1234")
    with providers.open_kit(source) as kit:
        assert kit == "kit"
    assert opened == ["1234"]
    with pytest.raises(DomainError) as unknown:
        providers.source_for(SigningCredential(kind=CredentialKind.REMOTE_APP), "")
    assert unknown.value.code == "credential_kind_unsupported"
