"""pyHanko's difference analysis of every signature of a PDF, as the diff helper process runs it.

:func:`reviews` opens the file as verification opens it (pyHanko's reader, strict; the one-pass
parser of ``signing.pdf_parsing``; the shared walks of ``verification.diff_cache``) and, for each
embedded signature in pyHanko's order, asks pyHanko's default difference policy what the signature
check asks it: ``DEFAULT_DIFF_POLICY.review_file(reader, signed revision, field_mdp_spec=its
FieldMDP, doc_mdp=its DocMDP level)``. A review that raises gets no answer (the caller reviews that
signature itself, and meets the error there).

Run as a script (``verification.diff_ahead`` starts it), it serves jobs on its standard input and
output until its input closes, in ``core.helper_process``'s frames: a job is the PDF's bytes and the
verification's limits, the answer ``reviews(bytes, limits)``, or ``[]`` when the file does not open
or is beyond the limits (the job is sent before the verifying process has read the file itself).
Imports pyHanko, the standard library, those two modules and ``core``'s helper modules only (the
helper starts without Django).
"""

from __future__ import annotations

import sys
from io import BytesIO
from typing import IO, Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, SuspiciousModification

from hocbaso.core import gc_tuning
from hocbaso.core.helper_process import exit_with_parent, read_frame, write_frame
from hocbaso.signing import pdf_parsing
from hocbaso.verification import diff_cache

Review = tuple[tuple[int, Any, Any], Any]


def size_of(reader: PdfFileReader) -> tuple[int, int]:
    """The objects a PDF's cross-reference sections name (every revision's, counted in each) and its
    revisions: what verification bounds before any analysis (``core.MAX_PDF_OBJECTS``, ...)."""
    xrefs = reader.xrefs
    objects = sum(len(list(xrefs.explicit_refs_in_revision(i))) for i in range(xrefs.total_revisions))
    return objects, xrefs.total_revisions


def reviews(document: bytes, limits: tuple[int, int] | None = None) -> list[Review]:
    """Per embedded signature: ``((signed revision, FieldMDP spec, DocMDP level), the review)``,
    the review None when pyHanko raised. Raises what opening the file raises, and ValueError for a
    file beyond ``limits`` (objects, revisions; see :func:`size_of`), which is not analysed."""
    pdf_parsing.install()
    reader = PdfFileReader(BytesIO(document))
    if limits is not None:
        objects, revisions = size_of(reader)
        if objects > limits[0] or revisions > limits[1]:
            raise ValueError("beyond the limits")
    diff_cache.share_object_reads(reader)
    found: list[Review] = []
    for sig in reader.embedded_signatures:
        key = (sig.signed_revision, sig.fieldmdp, sig.docmdp_level)
        try:
            review = plain(DEFAULT_DIFF_POLICY.review_file(reader, key[0], field_mdp_spec=key[1], doc_mdp=key[2]))
        except Exception:  # the caller meets it again, in-process
            review = None
        found.append((key, review))
    return found


def plain(review: Any) -> Any:
    """``review`` with plain strings only (a field name read from the file keeps a reference to its
    reader, which must not travel): the same modification level and field names, the same message."""
    if isinstance(review, DiffResult):
        return DiffResult(review.modification_level, {str(name) for name in review.changed_form_fields})
    if isinstance(review, SuspiciousModification):
        return SuspiciousModification(str(review))
    raise TypeError(f"not a review: {type(review).__name__}")


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer jobs until ``requests`` ends."""
    while True:
        try:
            document, limits = read_frame(requests)
        except EOFError:
            return
        try:
            answer = reviews(document, limits)
        except Exception:  # a file pyHanko cannot open, or too large: the caller refuses it the same way
            answer = []
        write_frame(answers, answer)


if __name__ == "__main__":
    exit_with_parent(sys.argv)
    gc_tuning.tune()  # as in the verifying processes: pyHanko's many short-lived objects
    serve(sys.stdin.buffer, sys.stdout.buffer)
