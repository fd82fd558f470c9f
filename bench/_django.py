"""Shared set-up for benchmarks: a fresh HOCBASO_VAR_DIR with a migrated SQLite database
(or the PostgreSQL of DATABASE_URL when BENCH_KEEP_DATABASE_URL=1), Django ready."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def setup(name: str) -> str:
    var_dir = tempfile.mkdtemp(prefix=f"hocbaso-bench-{name}-")
    os.environ["HOCBASO_VAR_DIR"] = var_dir
    if os.environ.get("BENCH_KEEP_DATABASE_URL") != "1":
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("HOCBASO_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    return var_dir


def timed(label: str, work: Callable[[], object], *, repeat: int = 5, unit: str = "ms", cpu: bool = False) -> float:
    """Run ``work`` ``repeat`` times and print the median (and the spread); with ``cpu``, also the
    median CPU time of this process (``time.process_time``: comparable on a loaded machine)."""
    samples, cpu_samples = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        samples.append(time.perf_counter() - started)
        cpu_samples.append(time.process_time() - started_cpu)
    median = statistics.median(samples)
    scale = 1000 if unit == "ms" else 1
    spread = f"(min {min(samples) * scale:.1f}, max {max(samples) * scale:.1f}, n={repeat})"
    cpu_part = f"   cpu {statistics.median(cpu_samples) * scale:8.1f} {unit}" if cpu else ""
    print(f"{label:<64} median {median * scale:8.1f} {unit}{cpu_part}   {spread}")
    return median


# The three signatures of a record in signing order: (user of the demo world, role, organisation seal?).
SIGNERS = (("homeroom", "homeroom", False), ("principal", "principal", False), ("clerk", "school", True))


def sign_in_process(world: object, versions: list, password: str, user: str, role: str, organisation: bool) -> object:
    """Sign ``versions`` as ``user`` in ``role`` with the demo world's credential, in this process
    (``signing.actions.sign_batch``); the batch is returned."""
    import uuid

    from hocbaso.signing import actions as signing_actions
    from hocbaso.signing import providers
    from hocbaso.signing.models import SigningCredential

    chosen = SigningCredential.objects.get(staff__user__username=user, for_organisation=organisation)
    return signing_actions.sign_batch(
        by=world.users[user],
        version_ids=[v.pk for v in versions],
        role=role,
        signer_source=providers.source_for(chosen, password),
        idempotency_key=uuid.uuid4().hex,
        credential=chosen,
    )


def offline_trust_store() -> object:
    """The registry's trust store as the offline verifier has it: the same roots and log key, no fetching."""
    from hocbaso.verification import core, registry

    stored = registry.trust_store()
    return core.TrustStore(roots=stored.roots, allow_fetching=False, ledger_public_key_pem=stored.ledger_public_key_pem)
