"""Signing throughput with the real workflow (demo PKI, in-process timestamps, SQLite in a temp dir).

Run: ``HOCBASO_DEMO=1 .venv/bin/python bench/bench_signing.py [--class-size 35] [--records 1000] [--workers 2]``
(``--records 0`` runs part 1 only).

1. A class of ``--class-size`` real rendered records (Typst PDF/A-3b + XML) signed in three batches:
   homeroom (certification, B-T), principal (B-T), school seal (B-T + B-LT + archive timestamp),
   each with its XAdES signature on the XML. Prints seconds per batch and in total: once in this
   process, once through the task queue with each batch split into ``--workers`` shards run by
   as many already-running ``db_worker`` processes (what ``submit_batch`` does with
   ``HOCBASO_TASKS=database``).
2. ``--records`` small records (one page PDF, small XML) split into batches of 50, signed by the
   homeroom teacher through ``django.tasks`` with ``HOCBASO_TASKS=database`` and ``--workers``
   ``db_worker`` processes. Prints records/s from the first enqueue to the last batch finished.

``--breakdown`` signs ``--class-size`` real records (default 35; after two to warm up) in this
process only, and prints the CPU time (``time.process_time``) per record of each phase — each
PAdES signature, the stamp font, timestamp tokens, XAdES, B-LT (validation paths, DSS), the
archive timestamp, the paper seal, the commit and the ledger — exclusive (nested phases counted
once), then stops. Add ``--profile FILE`` to also write a cProfile of those signatures.

Everything lives in a temporary ``HOCBASO_VAR_DIR`` removed at the end; bounded (< 5 min here).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _django import SIGNERS, sign_in_process  # noqa: E402  (who signs, in order; after the path is set)


def start_workers(count: int, env: dict[str, str], *options: str) -> list[subprocess.Popen[bytes]]:
    """``count`` ``hocbaso db_worker`` processes with ``options`` (quiet, no start-up delay)."""
    hocbaso = str(Path(sys.executable).with_name("hocbaso"))
    return [
        subprocess.Popen(
            [hocbaso, "db_worker", "--no-startup-delay", *options],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def wait_until_warm(workers: list[subprocess.Popen[bytes]], limit: float = 120) -> None:
    """Wait until every worker has finished Django's set-up (its app warm-up included,
    ``hocbaso/signing/apps.py``; HarfBuzz is loaded by then), then a second more for it to reach
    its polling loop. A fixed sleep of 4 s was too short on a loaded machine: the first shards then
    paid for the workers' start-up, which a running deployment never does."""
    deadline = time.monotonic() + limit
    for worker in workers:
        maps = Path(f"/proc/{worker.pid}/maps")
        while time.monotonic() < deadline and worker.poll() is None:
            try:
                if "harfbuzz" in maps.read_text():
                    break
            except OSError:
                break  # no /proc here: the fixed wait below
            time.sleep(0.1)
    time.sleep(1 if Path("/proc").is_dir() else 6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--class-size", type=int, default=35)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--breakdown", action="store_true", help="CPU per phase of one process's signing, then stop")
    parser.add_argument("--profile", metavar="FILE", help="with --breakdown: a cProfile of the measured signatures")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="hocbaso-bench-signing-"))
    env = {
        **os.environ,
        "HOCBASO_VAR_DIR": str(var_dir),
        "HOCBASO_DEMO": "1",
        "HOCBASO_TASKS": "database",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("HOCBASO_TSA_URL", None)
    os.environ.update(env)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from hocbaso.core import gc_tuning
        from hocbaso.signing import batches as signing_batches
        from hocbaso.signing import trust
        from hocbaso.signing.models import SigningBatch, SigningCredential
        from hocbaso.signing.tasks import sign_batch_task
        from hocbaso.signing.tests.factories import make_frozen_version
        from hocbaso.testing import build_world

        gc_tuning.tune()  # as the web workers and db_workers run (config/wsgi.py, hocbaso/cli.py)
        call_command("migrate", verbosity=0)
        world = build_world()
        call_command("pki", "init", stdout=open(os.devnull, "w"))  # noqa: SIM115
        password = trust.demo_pkcs12_password()

        def credential(user: str, organisation: bool = False) -> SigningCredential:
            return SigningCredential.objects.get(staff__user__username=user, for_organisation=organisation)

        if args.breakdown:
            breakdown(world, password, args.class_size, args.profile)
            return

        # 1. a class, three signatures each, in process
        started = time.perf_counter()
        versions = [make_frozen_version(world, realistic=True) for _ in range(args.class_size)]
        print(f"render {args.class_size} real records: {time.perf_counter() - started:.1f} s")
        total = 0.0
        for user, role, organisation in SIGNERS:
            started = time.perf_counter()
            batch = sign_in_process(world, versions, password, user, role, organisation)
            elapsed = time.perf_counter() - started
            total += elapsed
            ok = batch.items.filter(outcome="ok").count()
            per_record = elapsed * 1000 / max(args.class_size, 1)
            print(f"class of {args.class_size}, {role:9s}: {elapsed:6.1f} s ({ok} ok, {per_record:.0f} ms a record)")
        print(f"class of {args.class_size}, three signatures + timestamps + LTV, one process: {total:.1f} s")

        # 1b. the same through the task queue: each batch in --workers shards, one per running db_worker
        from django.db import connections

        queue = [make_frozen_version(world, realistic=True) for _ in range(args.class_size)]
        connections.close_all()
        workers = start_workers(args.workers, env, "--interval", "0.05")
        wait_until_warm(workers)  # the workers are up and polling, as in a running deployment
        total = 0.0
        for user, role, organisation in SIGNERS:
            batch, _created = signing_batches.create_batch(
                by=world.users[user],
                version_ids=[v.pk for v in queue],
                role=role,
                credential=credential(user, organisation),
                idempotency_key=uuid.uuid4().hex,
                authorisation=password,
                shards=args.workers,
            )
            started = time.perf_counter()
            for shard in range(batch.shards):
                sign_batch_task.enqueue(batch.pk, shard)
            while SigningBatch.objects.filter(pk=batch.pk, state__in=["queued", "running"]).exists():
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            total += elapsed
            ok = batch.items.filter(outcome="ok").count()
            print(
                f"class of {args.class_size}, {role:9s}, {args.workers} shards on {args.workers} db_workers: "
                f"{elapsed:6.1f} s ({ok} ok)"
            )
        for worker in workers:
            worker.kill()
            worker.wait()
        workers = []
        print(
            f"class of {args.class_size}, three signatures + timestamps + LTV, {args.workers} db_workers: {total:.1f} s"
        )
        if args.records <= 0:
            return

        # 2. many records, homeroom signature, two database workers
        small = [make_frozen_version(world) for _ in range(args.records)]
        chosen = credential("homeroom")
        batches = []
        for start in range(0, len(small), args.batch_size):
            batch, _created = signing_batches.create_batch(
                by=world.users["homeroom"],
                version_ids=[v.pk for v in small[start : start + args.batch_size]],
                role="homeroom",
                credential=chosen,
                idempotency_key=uuid.uuid4().hex,
                authorisation=password,
            )
            batches.append(batch.pk)
        connections.close_all()
        started = time.perf_counter()
        for pk in batches:
            sign_batch_task.enqueue(pk)
        connections.close_all()
        workers = start_workers(args.workers, env, "--batch", "--interval", "0.1")
        for worker in workers:
            worker.wait(timeout=600)
        elapsed = time.perf_counter() - started
        finished = SigningBatch.objects.filter(pk__in=batches, state="finished").count()
        signed = sum(SigningBatch.objects.get(pk=pk).items.filter(outcome="ok").count() for pk in batches)
        print(
            f"{args.records} records, homeroom signature, {args.workers} db_workers: {elapsed:.1f} s, "
            f"{signed / elapsed:.1f} records/s ({signed} signed, {finished}/{len(batches)} batches finished)"
        )
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        shutil.rmtree(var_dir, ignore_errors=True)


def breakdown(world: Any, password: str, records: int, profile: str | None) -> None:
    """``--breakdown``: two records to warm up, then ``records`` signed three times, CPU per phase."""
    import cProfile

    from _phases import PhaseClock, instrument

    from hocbaso.signing.tests.factories import make_frozen_version

    def sign_all(versions: list, clock: PhaseClock | None) -> list[float]:
        spent = []
        for signer in SIGNERS:
            started = time.process_time()
            with clock.phase("batch (set-up, outside items)") if clock else contextlib.nullcontext():
                batch = sign_in_process(world, versions, password, *signer)
            spent.append(time.process_time() - started)
            if batch.items.filter(outcome="ok").count() != len(versions):
                raise SystemExit(f"{signer[1]}: not every record was signed")
        return spent

    cold = sign_all([make_frozen_version(world, realistic=True) for _ in range(2)], None)  # warm-up
    print(
        "2 records to warm up (first signatures of the process), CPU: "
        + " / ".join(f"{s * 1000:.0f}" for s in cold)
        + " ms (homeroom / principal / school, both records)"
    )
    versions = [make_frozen_version(world, realistic=True) for _ in range(records)]
    clock = PhaseClock()
    order = instrument(clock)
    profiler = cProfile.Profile() if profile else None
    wall = time.perf_counter()
    if profiler:
        profiler.enable()
    spent = sign_all(versions, clock)
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    wall = time.perf_counter() - wall
    clock.undo()
    per = [s * 1000 / records for s in spent]
    print(
        f"{records} real records, CPU per record: homeroom {per[0]:.0f} / principal {per[1]:.0f} / "
        f"school {per[2]:.0f} / total {sum(per):.0f} ms (wall {wall * 1000 / records:.0f} ms; "
        f"load average {os.getloadavg()[0]:.2f})"
    )
    clock.report(records, order)


if __name__ == "__main__":
    main()
