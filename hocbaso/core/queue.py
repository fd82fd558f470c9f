"""Handing work to the task queue once the data it needs is committed.

Every enqueue from the application goes through :func:`enqueue_on_commit` (``tests/
test_enqueue_on_commit.py`` checks it): the task is named by its dotted path and enqueued by
``transaction.on_commit``, so

- a database worker never picks up a task whose rows are not committed yet (or were rolled
  back), and with the embedded immediate backend the task runs after the commit, as it would
  on a worker;
- outside a transaction (autocommit) the task is enqueued at once;
- an action never imports its app's ``tasks`` module, which imports the actions it runs: the
  dotted path keeps the imports one way (tasks → actions).

Management commands that enqueue on request (``--enqueue``) run outside any transaction and
print the task's id, so they call ``Task.enqueue`` themselves.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string


def enqueue_on_commit(task: str, *args: Any, using: str | None = None) -> None:
    """Enqueue the task at ``task`` (``"hocbaso.records.tasks.assemble_run"``) with ``args`` when
    the current transaction commits; at once outside a transaction; never if it rolls back."""

    def enqueue() -> None:
        import_string(task).enqueue(*args)

    transaction.on_commit(enqueue, using=using)
