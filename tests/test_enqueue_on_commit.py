"""Tasks are enqueued when the data they need is committed (``core.queue.enqueue_on_commit``).

The static check: every ``.enqueue(`` in the application is in ``core/queue.py`` or in a
management command (which runs outside any transaction and prints the task's id), and every
task named to ``enqueue_on_commit`` exists. The run-time check: an assembly run started inside a
transaction is not handed to the queue before the commit, nor at all when the transaction rolls back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction
from django.utils.module_loading import import_string
from django_tasks.base import Task

from hocbaso.records import actions
from hocbaso.records.models import AssemblyRun

ROOT = Path(__file__).resolve().parent.parent


def _sources() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted((ROOT / "hocbaso").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/tests/" in rel or "/migrations/" in rel:
            continue
        found.append((rel, ast.parse(path.read_text(encoding="utf-8"))))
    return found


SOURCES = _sources()


def test_every_enqueue_goes_through_the_commit() -> None:
    outside = [
        f"{rel}:{node.lineno}"
        for rel, tree in SOURCES
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "enqueue"
        and rel != "hocbaso/core/queue.py"
        and "/management/commands/" not in rel
    ]
    assert outside == []


def test_every_task_named_to_the_queue_exists() -> None:
    named = [
        node.args[0].value
        for _rel, tree in SOURCES
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) == "enqueue_on_commit"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]
    assert len(named) >= 4
    for dotted in named:
        assert isinstance(dotted, str) and isinstance(import_string(dotted), Task), dotted


@pytest.mark.django_db
def test_an_assembly_run_is_queued_only_when_it_is_committed(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks() as callbacks:
        run = actions.start_assembly(
            by=world.users["principal"], school=world.school_a, school_year=world.year, class_group=world.class_3a
        )
        assert AssemblyRun.objects.get(pk=run.pk).state == AssemblyRun.State.QUEUED
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the immediate backend runs the task now
    assert AssemblyRun.objects.get(pk=run.pk).state == AssemblyRun.State.FINISHED


@pytest.mark.django_db
def test_a_rolled_back_run_is_never_queued(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        actions.start_assembly(by=world.users["principal"], school=world.school_a, school_year=world.year)
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert not AssemblyRun.objects.exists()
