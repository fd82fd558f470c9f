"""The project beside the naive baseline (WeasyPrint + stock pyHanko, visible stamps), in one run:
each figure of issue 19's "faster issuance and verification" beside its goal, with the ratio.

    HOCBASO_DEMO=1 .venv/bin/python bench/compare_baseline.py [--baseline DIR] [-n 10] [--rounds 5] [--quick]

``--baseline DIR`` (or ``HOCBASO_BASELINE``): an already set-up copy of the baseline (its
``.venv`` made by its ``setup.sh``); nothing is installed then. Without it, the baseline folder
(``HOCBASO_BASELINE_SOURCE``, default ``../shared/baseline`` beside the checkout, else
``/work/shared/baseline``) is copied once to ``<tmp>/hocbaso-baseline`` outside the repository and
its ``setup.sh`` run there (a no-op when its packages are already installed).

Figures, all medians per record unless said, measured in ``--rounds`` rounds (default 5), each the
baseline then the project, each side in a fresh process: a shared machine runs fast and slow
spells of tens of per cent, and alternating lets a spell hit both sides. Each side's figure is the
median over the rounds; each ratio is the median of the rounds' own ratios (all printed after it).

1. baseline: ``bench.py -n N --visible`` — render, three signatures, validate, total.
2. project, in a process of its own (this script with ``--project-only``; fresh ``HOCBASO_VAR_DIR``,
   demo PKI, in-process timestamps, as ``bench_signing.py``): N real records assembled and rendered
   (XML + Typst PDF/A), signed in three batches (PAdES + XAdES with timestamps, B-LT, archive
   timestamp, paper seal, ledger), then each verified in full offline (``core.verify`` without the
   registry: every signature with the difference analysis, the XML, its schema and the re-render
   comparison, made by the kept digest of the render done at issuance, ADR 0024) — per record: the
   batches' time divided by N; then once more with the render digests forgotten, as for a record
   issued by another deployment (printed, not a goal). As in the baseline (``N records after
   1 warm-up record``), one warm-up record is rendered and signed first, not counted (fonts,
   template, the first signatures of the process); verification has a warm-up (not counted): two
   examines, then the wait for the
   re-render and diff helpers to be ready (``records.render_ahead``, ``verification.diff_ahead``: a
   long-lived verifying process has them from its second verification on), so the medians are those
   of a process in its steady state. ``HOCBASO_RENDER_HELPER=0`` / ``HOCBASO_DIFF_HELPER=0`` measure
   without them.
3. subprocesses (skipped with ``--quick``): ``bench_signing.py --records 0`` (a class of 35 on two
   ``db_worker`` processes), ``bench_verification.py`` (code lookups per second and p95 on the
   running gunicorn with 2 workers), ``bench_verify_command.py`` (worst peak memory of the offline
   verifier over hostile uploads).

Goals (issue 19): issuing + fully verifying a record >= 5x faster than the baseline's render + sign
+ validate; the project's full verification no slower than the baseline's bare validation; a class
of 35 on 2 workers faster than the baseline's 3 records; >= 1,000 lookups/s with p95 < 30 ms;
any upload verified in < 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _django import SIGNERS, offline_trust_store, sign_in_process

ROOT = Path(__file__).resolve().parents[1]


def baseline_dir(given: str | None) -> Path:
    """The set-up baseline: ``given`` as it is, else a copy outside the repository, set up once."""
    if given:
        path = Path(given).resolve()
        if not (path / ".venv" / "bin" / "python").exists():
            raise SystemExit(f"{path}: no .venv (run its setup.sh once, or leave out --baseline)")
        return path
    source = Path(os.environ.get("HOCBASO_BASELINE_SOURCE") or ROOT.parent / "shared" / "baseline")
    if not source.exists():
        source = Path("/work/shared/baseline")
    target = Path(tempfile.gettempdir()) / "hocbaso-baseline"
    if not target.exists():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(".venv", "out"))
    subprocess.run(["bash", "setup.sh"], cwd=target, check=True)
    return target


def run_baseline(path: Path, records: int) -> dict[str, float]:
    command = [str(path / ".venv" / "bin" / "python"), "bench.py", "-n", str(records), "--visible"]
    output = subprocess.run(command, cwd=path, check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("baseline:"))
    return {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", line)}


def run_project(records: int) -> dict[str, float]:
    """Per-record medians (ms) of the project's issuance and full offline verification."""
    var_dir = Path(tempfile.mkdtemp(prefix="hocbaso-bench-compare-"))
    os.environ.update({"HOCBASO_VAR_DIR": str(var_dir), "HOCBASO_DEMO": "1"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("HOCBASO_TSA_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from hocbaso.core import gc_tuning
    from hocbaso.records import render_ahead, storage
    from hocbaso.signing import trust
    from hocbaso.signing.tests.factories import make_frozen_version
    from hocbaso.testing import build_world
    from hocbaso.verification import core, diff_ahead

    gc_tuning.tune()
    call_command("migrate", verbosity=0)
    world = build_world()
    call_command("pki", "init", stdout=open(os.devnull, "w"))  # noqa: SIM115
    password = trust.demo_pkcs12_password()
    warm = make_frozen_version(world, realistic=True)  # warm-up: fonts, template, imports (not counted)
    renders = []
    versions = []
    for _ in range(records):
        started = time.perf_counter()
        versions.append(make_frozen_version(world, realistic=True))
        renders.append((time.perf_counter() - started) * 1000)
    for signer in SIGNERS:  # the warm-up record signed too (not counted), as the baseline's
        sign_in_process(world, [warm], password, *signer)
    signing = 0.0
    for user, role, organisation in SIGNERS:
        started = time.perf_counter()
        batch = sign_in_process(world, versions, password, user, role, organisation)
        signing += time.perf_counter() - started
        if batch.items.filter(outcome="ok").count() != records:
            raise SystemExit(f"{role}: not every record was signed")
    offline = offline_trust_store()
    first = versions[0]
    first.refresh_from_db()
    for _ in range(2):  # warm-up (not counted): the helpers start, then load their fonts and modules
        core.verify(
            storage.get(first.signed_pdf_name, first.signed_pdf_sha256), trust=offline, registry=None, tree_head=None
        )
    render_ahead.wait_until_ready()
    diff_ahead.wait_until_ready()
    verifies = []
    for version in versions:
        version.refresh_from_db()
        pdf = storage.get(version.signed_pdf_name, version.signed_pdf_sha256)
        started = time.perf_counter()
        report = core.verify(pdf, trust=offline, registry=None, tree_head=None)
        verifies.append((time.perf_counter() - started) * 1000)
        failed = [check.code for check in report.checks if check.status == "failed"]
        if failed:
            raise SystemExit(f"{version.issuance_code}: verification failed: {failed}")
    # The same verifications of records this process did not render (the render digests forgotten,
    # as for a record issued by another deployment): each re-renders its XML (ADR 0022, 0024).
    from hocbaso.records import render_digests

    render_digests.store().clear()
    unknown = []
    for version in versions:
        pdf = storage.get(version.signed_pdf_name, version.signed_pdf_sha256)
        started = time.perf_counter()
        core.verify(pdf, trust=offline, registry=None, tree_head=None)
        unknown.append((time.perf_counter() - started) * 1000)
    shutil.rmtree(var_dir, ignore_errors=True)
    render = statistics.median(renders)
    sign3 = signing * 1000 / records
    validate = statistics.median(verifies)
    return {
        "render": render,
        "sign3": sign3,
        "validate": validate,
        "total": render + sign3 + validate,
        "validate_unknown": statistics.median(unknown),
    }


def run_script(script: str, *args: str) -> str:
    env = {**os.environ, "HOCBASO_DEMO": "1"}
    for key in ("HOCBASO_VAR_DIR", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    command = [sys.executable, str(ROOT / "bench" / script), *args]
    return subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout


def number(pattern: str, text: str) -> float | None:
    found = re.search(pattern, text)
    return float(found.group(1)) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=os.environ.get("HOCBASO_BASELINE"), help="a set-up baseline folder")
    parser.add_argument("-n", "--records", type=int, default=10, help="records measured on each side")
    parser.add_argument("--quick", action="store_true", help="only the per-record figures (no subprocess benches)")
    parser.add_argument("--rounds", type=int, default=5, help="baseline and project measured alternately, N times")
    parser.add_argument("--project-only", action="store_true", help=argparse.SUPPRESS)  # one round's project side
    args = parser.parse_args()
    if args.project_only:
        print("project:", json.dumps(run_project(args.records)))
        return
    baseline = baseline_dir(args.baseline)
    rounds = []
    for _ in range(max(1, args.rounds)):  # alternately: a slow or fast spell of the machine hits both sides
        side = run_baseline(baseline, args.records)
        output = run_script("compare_baseline.py", "--project-only", "-n", str(args.records))
        line = next(line for line in output.splitlines() if line.startswith("project:"))
        rounds.append((side, json.loads(line.partition(":")[2])))
    base = {key: statistics.median(side[key] for side, _ in rounds) for key in rounds[0][0]}
    project = {key: statistics.median(mine[key] for _, mine in rounds) for key in rounds[0][1]}
    speedups = [side["total"] / mine["total"] for side, mine in rounds]
    ratios = [mine["validate"] / side["validate"] for side, mine in rounds]
    extra: dict[str, float | None] = {}
    if not args.quick:
        signing = run_script("bench_signing.py", "--class-size", "35", "--records", "0", "--workers", "2")
        extra["class"] = number(
            r"class of 35, three signatures \+ timestamps \+ LTV, 2 db_workers: ([\d.]+) s", signing
        )
        lookups = run_script("bench_verification.py", "--workers", "2")
        extra["lookups"] = number(r"code lookups /verify/<code>.*?([\d.]+) per s", lookups)
        extra["p95"] = number(r"latency p50 / p95\s+[\d.]+ ms / ([\d.]+) ms", lookups)
        uploads = run_script("bench_verify_command.py")
        extra["memory"] = number(r"worst peak RSS of the command\s+([\d.]+) MB", uploads)

    heading = f"per record, ms (medians, N={args.records}, {len(rounds)} rounds)"
    print(f"{heading:<40} {'baseline':>10} {'project':>10}")
    for key, label in [
        ("render", "render"),
        ("sign3", "three signatures"),
        ("validate", "validate"),
        ("total", "total"),
    ]:
        print(f"  {label:<38} {base[key]:10.1f} {project[key]:10.1f}")
    label = "validate, a record rendered elsewhere"  # no render digest known: the XML re-rendered
    print(f"  {label:<38} {base['validate']:10.1f} {project['validate_unknown']:10.1f}")
    rows: list[tuple[str, str, str, bool | None]] = []

    def row(label: str, value: str, goal: str, met: bool | None) -> None:
        rows.append((label, value, goal, met))

    speedup, ratio = statistics.median(speedups), statistics.median(ratios)
    spread = " ".join(f"{value:.1f}" for value in speedups)
    value = f"{project['total']:.0f} ms, {speedup:.1f}x faster ({spread})"
    row("issue + verify a record", value, ">= 5x faster", speedup >= 5)
    spread = " ".join(f"{value:.2f}" for value in ratios)
    value = f"{project['validate']:.0f} ms, {ratio:.2f}x ({spread})"
    row("full verification vs bare validation", value, "<= 1.00x", ratio <= 1)
    if not args.quick:
        three = 3 * base["total"] / 1000
        klass = extra["class"]
        value = f"{klass:.1f} s vs {three:.1f} s, {klass / three:.2f}x" if klass else "not printed"
        row("class of 35, 3 signatures, 2 workers", value, "< baseline 3 records", bool(klass and klass < three))
        per_s, p95 = extra["lookups"], extra["p95"]
        ok = bool(per_s and p95 and per_s >= 1000 and p95 < 30)
        value = f"{per_s:.0f}/s, p95 {p95:.1f} ms ({per_s / 1000:.2f}x)" if per_s and p95 else "not printed"
        row("code lookups, 2 workers", value, ">= 1000/s, p95 < 30 ms", ok)
        memory = extra["memory"]
        value = f"{memory:.0f} MB ({memory / 300:.2f}x)" if memory else "not printed"
        row("any upload verified, peak memory", value, "< 300 MB", bool(memory and memory < 300))
    print(f"{'figure':<40} {'measured':<44} {'goal':<24} met")
    for label, value, goal, met in rows:
        print(f"{label:<40} {value:<44} {goal:<24} {'yes' if met else 'NO'}")


if __name__ == "__main__":
    main()
