"""Every write of the signing domain, the one door for pages, the API, commands and tasks
(DESIGN.md §1: the web, the API, the CLI and the worker do exactly the same thing).

The implementations live in modules named for what they do, and each is keyword-only with
``by=``, atomic per record, and audited in the same transaction:

- batches (``workflow``): :func:`submit_batch` (web and API: checks the password/PIN and the
  certificate, then queues the batch in shards), :func:`sign_batch` (in process, with an opened
  key), :func:`create_batch`, :func:`resume_batch`, :func:`mark_failed`;
- batches that lost their worker (``recovery``): :func:`continue_batch` (the signer's "Tiếp tục"),
  :func:`sweep_batches` (resume or fail them; delete expired secrets);
- phone-app approvals (``remote``): :func:`prepare_app_batch`, :func:`answer_approval`,
  :func:`refuse_approval`, :func:`expire_approvals`;
- credentials (``credentials``): :func:`register_certificate_file`, :func:`register_pkcs12`,
  :func:`register_csc_credential`, :func:`register_app_certificate`;
- long-term validity (``archive``): :func:`renew_archive`, :func:`renew_archives`;
- paper mode (``paper_mode``): :func:`set_paper_mode` (a school-year on paper or back, refused once
  anything of it is signed).
"""

from __future__ import annotations

from hocbaso.signing.archive import renew_archive, renew_archives
from hocbaso.signing.credentials import (
    register_app_certificate,
    register_certificate_file,
    register_csc_credential,
    register_pkcs12,
)
from hocbaso.signing.paper_mode import set_paper_mode
from hocbaso.signing.recovery import continue_batch
from hocbaso.signing.recovery import sweep as sweep_batches
from hocbaso.signing.remote import answer as answer_approval
from hocbaso.signing.remote import expire_stale as expire_approvals
from hocbaso.signing.remote import prepare_batch as prepare_app_batch
from hocbaso.signing.remote import refuse as refuse_approval
from hocbaso.signing.workflow import create_batch, mark_failed, resume_batch, sign_batch, submit_batch

__all__ = [
    "answer_approval",
    "continue_batch",
    "create_batch",
    "expire_approvals",
    "mark_failed",
    "prepare_app_batch",
    "refuse_approval",
    "register_app_certificate",
    "register_certificate_file",
    "register_csc_credential",
    "register_pkcs12",
    "renew_archive",
    "renew_archives",
    "resume_batch",
    "set_paper_mode",
    "sign_batch",
    "submit_batch",
    "sweep_batches",
]
