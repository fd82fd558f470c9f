"""The offline examine of realistic issued records in CPU time (the figure that stays comparable on
a shared, loaded machine, where wall-clock times swing several-fold between runs).

    HOCBASO_DEMO=1 .venv/bin/python bench/bench_examine.py [--records 3] [--repeat 9] [--alternate 0]

Set-up (not timed): a fresh var dir and SQLite file, the test world, the deployment's demo PKI
(``pki init``), ``--records`` realistic records rendered and signed homeroom → principal → seal
(as ``compare_baseline.py``). Then ``core.examine`` of each signed PDF in turn with the file's own
DSS revocation data only (offline), ``--repeat`` times: CPU time (``time.process_time``) and wall
time, medians. ``BENCH_PROFILE=1`` adds a cProfile of one examine per record (top 40 by internal
time): the profile bench/README.md describes. To compare two commits, run this script from each
checkout back to back.

Wall time counts the helper processes' work beside this one (``records.render_ahead``,
``verification.diff_ahead``: started by the warm-up's second examine, waited for before timing);
CPU time is this process's only. ``--alternate N``: N rounds, each ``--repeat`` examines with the
diff helper off, then on (``settings.HOCBASO_DIFF_HELPER``), and the medians of each side: on a
machine whose speed swings, alternating lets a slow spell hit both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from _django import SIGNERS, offline_trust_store, setup, sign_in_process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--alternate", type=int, default=0, help="rounds of diff helper off / on")
    args = parser.parse_args()
    setup("examine")
    os.environ.pop("HOCBASO_TSA_URL", None)
    from django.conf import settings
    from django.core.management import call_command

    from hocbaso.core import gc_tuning
    from hocbaso.records import render_ahead, storage
    from hocbaso.signing import trust
    from hocbaso.signing.tests.factories import make_frozen_version
    from hocbaso.testing import build_world
    from hocbaso.verification import core, diff_ahead

    gc_tuning.tune()
    world = build_world()
    call_command("pki", "init", stdout=open(os.devnull, "w"))  # noqa: SIM115
    password = trust.demo_pkcs12_password()
    versions = [make_frozen_version(world, realistic=True) for _ in range(args.records)]
    for signer in SIGNERS:
        sign_in_process(world, versions, password, *signer)
    offline = offline_trust_store()
    pdfs = []
    for version in versions:
        version.refresh_from_db()
        pdfs.append(storage.get(version.signed_pdf_name, version.signed_pdf_sha256))
    for pdf in pdfs[:2]:  # warm-up: imports, fonts, template; the second examine starts the helpers
        findings = core.examine(pdf, trust=offline)
        if any(check.status != "passed" for check in findings.checks):
            raise SystemExit(f"the issued record does not pass: {findings.checks}")
    render_ahead.wait_until_ready()
    diff_ahead.wait_until_ready()

    def examines(cpu: list[float], wall: list[float]) -> None:
        for index in range(args.repeat):
            pdf = pdfs[index % len(pdfs)]
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            core.examine(pdf, trust=offline)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started_wall) * 1000)

    def report(label: str, cpu: list[float], wall: list[float]) -> None:
        for kind, samples in (("CPU time", cpu), ("wall time", wall)):
            spread = f"(min {min(samples):.1f}, n={len(samples)})"
            print(f"{label + ', ' + kind:<72} median {statistics.median(samples):8.1f} ms   {spread}")

    label = f"core.examine offline, {args.records} realistic records"
    if not args.alternate:
        cpu: list[float] = []
        wall: list[float] = []
        examines(cpu, wall)
        report(label, cpu, wall)
    sides: dict[bool, tuple[list[float], list[float]]] = {False: ([], []), True: ([], [])}
    for _ in range(args.alternate):
        for on in (False, True):
            settings.HOCBASO_DIFF_HELPER = on
            diff_ahead.stop()
            if on:  # two examines start it and its warm-up
                core.examine(pdfs[0], trust=offline)
                core.examine(pdfs[1], trust=offline)
                diff_ahead.wait_until_ready()
            examines(*sides[on])
    if args.alternate:
        for on in (False, True):
            report(f"{label}, diff helper {'on' if on else 'off'}", *sides[on])
    if os.environ.get("BENCH_PROFILE") == "1":
        import cProfile
        import pstats

        profile = cProfile.Profile()
        for pdf in pdfs:
            profile.runcall(core.examine, pdf, trust=offline)
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
