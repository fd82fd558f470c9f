"""pyHanko's difference analysis of a PDF's signatures, run in a helper process beside the rest of
the signature checks (ADR 0023).

The difference analysis (every revision after the one a signature signed compared with it, through
a walk of the whole object graph) is most of a verification's CPU time, and it needs nothing from
the rest of the checks but the file. :func:`start` hands the file to this process's diff helper
(``diff_worker.py`` run as a script) and returns a :class:`Reviews` at once; the signature checks
run meanwhile with pyHanko's ``skip_diff``, and each signature's difference analysis is then
``sig.evaluate_modifications(reviews)``: :meth:`Reviews.review_file` gives the helper's review for
exactly the question asked — the same signed revision, FieldMDP spec and DocMDP level, asked of the
same bytes by the same pyHanko policy — and otherwise asks pyHanko's ``DEFAULT_DIFF_POLICY``
in-process, as the check always did. The decision is the same; only where it is computed changes.

The contracts are ``core.helper_process``'s: the answer never depends on the helper (off, not
started, warming up, busy with another thread's file, failed: the review is done here, raising
what pyHanko raises); the helper starts at a process's second verification, so a one-off
``hocbaso verify`` never starts it. ``HOCBASO_DIFF_HELPER=0`` (``settings.HOCBASO_DIFF_HELPER``),
or one core, keeps every review in-process.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, SuspiciousModification

from hocbaso.core import helper_process
from hocbaso.verification import diff_worker

logger = logging.getLogger(__name__)


HELPER = helper_process.Helper("diff", Path(diff_worker.__file__), helper_process.switched_on_by("HOCBASO_DIFF_HELPER"))


class Reviews(helper_process.Job):
    """The difference analyses of one file, maybe under way in the helper; a diff policy for
    ``EmbeddedPdfSignature.evaluate_modifications`` (see the module)."""

    def __init__(self) -> None:
        super().__init__(HELPER)
        self._known: list[diff_worker.Review] | None = None
        self.answered = 0  # reviews taken from the helper (for the tests)

    def _reviews(self) -> list[diff_worker.Review]:
        if self._known is None:
            answer = self.answer()
            self._known = answer if isinstance(answer, list) else []
        return self._known

    def review_file(
        self, reader: Any, base_revision: Any, field_mdp_spec: Any = None, doc_mdp: Any = None
    ) -> DiffResult | SuspiciousModification:
        """``DEFAULT_DIFF_POLICY.review_file(reader, ...)`` for ``reader``, a reader of this file."""
        asked = (base_revision, field_mdp_spec, doc_mdp)
        for key, review in self._reviews():
            if key == asked and isinstance(review, DiffResult | SuspiciousModification):
                self.answered += 1
                if isinstance(review, SuspiciousModification):  # pyHanko logs it as it returns it
                    logger.warning("Error in diff operation from revision %s: %s", base_revision, review)
                return review
        return DEFAULT_DIFF_POLICY.review_file(reader, base_revision, field_mdp_spec=field_mdp_spec, doc_mdp=doc_mdp)


def start(document: bytes, limits: tuple[int, int]) -> Reviews:
    """Start reviewing every signature of ``document`` and return at once. ``limits``: the most
    objects and revisions the caller examines (the helper analyses nothing beyond them)."""
    reviews = Reviews()
    reviews.start(lambda: (document, limits))
    return reviews


def wait_until_ready() -> bool:
    """Wait for the answers of the helper that nobody awaits (its warm-up, abandoned jobs); True
    when a helper is then ready. For the tests and the benchmarks."""
    return HELPER.wait_until_ready()


def stop() -> None:
    """Stop this process's diff helper, if any, and forget any failure."""
    HELPER.stop()
