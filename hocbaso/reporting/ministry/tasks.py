"""Preparing and sending a batch in the background (``django.tasks``: in-process by default, a db_worker at scale).

The task carries only the submission's id and sends the stored bytes once; a batch not reached is
left ``retrying`` and sent again by ``hocbaso ministry-export send --pending`` (cron, every few
minutes) or the officer's *Gửi lại*. Sending the same bytes again is harmless: the store answers a
batch it knows as before.
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_submission_task(submission_id: int) -> str:
    from hocbaso.reporting.ministry import actions

    return str(actions.send(submission_id=submission_id).state)


@task()
def prepare_submission_task(submission_id: int) -> str:
    """Map, build, seal and store a requested batch (``actions.build_batch``), then queue it for sending."""
    from hocbaso.reporting.ministry import actions

    return str(actions.build_batch(submission_id=submission_id).state)
