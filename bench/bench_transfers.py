"""Transfer bundle figures: export (read the issued files, header, seal over the manifest, zip)
and verified import (container, seal, decision, every record's PDF and XML with the verification
core, then the writes and the signed receipt) of a child with five issued years; wall and CPU
time (``time.process_time``, comparable on a loaded machine), medians. The verification is also
shown in its two parts: the cheap checks (``bundles.open_bundle``) and the records' examine
(``bundles.examine_records``).

    HOCBASO_DEMO=1 .venv/bin/python bench/bench_transfers.py [--years 5] [--repeat 5]

Last, the same bundle imported again, refused (``bundle_already_imported``, before any record is
examined). ``BENCH_PROFILE=1`` adds a cProfile of one verified import (top 30 by cumulative and by
internal time; ``BENCH_PROFILE_OUT=FILE`` keeps the raw profile) and one examine of a record PDF
and XML.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from _django import setup, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup("transfers")
    os.environ.pop("HOCBASO_TSA_URL", None)
    from django.core.management import call_command
    from django.db import transaction

    from hocbaso.core import gc_tuning
    from hocbaso.signing import trust as signing_trust
    from hocbaso.signing.models import SigningCredential
    from hocbaso.testing import build_world
    from hocbaso.transfers import actions, bundles
    from hocbaso.transfers.models import Transfer
    from hocbaso.transfers.tests.helpers import issued_years
    from hocbaso.transfers.trust import trust_for_import

    gc_tuning.tune()
    world = build_world()
    call_command("pki", "init", stdout=open(os.devnull, "w"))  # noqa: SIM115
    password = signing_trust.demo_pkcs12_password()
    started = time.perf_counter()
    student, _v = issued_years(world, signing_trust.demo_pki(), {}, years=args.years)
    elapsed = time.perf_counter() - started
    print(f"set-up: {args.years} records rendered and signed (three signatures each): {elapsed:.1f} s")

    def credential(user: str, organisation: bool = False) -> SigningCredential:
        return SigningCredential.objects.filter(staff__user__username=user, for_organisation=organisation).first()  # type: ignore[return-value]

    transfer = actions.request_transfer(
        by=world.users["clerk"],
        student=student,
        to_school=None,
        destination="Trường Tiểu học Hòa Bình, Hà Nội",
        school_year="2025-2026",
        desired_date=dt.date(2026, 1, 5),
        reason="Gia đình chuyển nơi ở",
        requested_by_family="Nguyễn Văn Đức (cha)",
    )
    actions.decide_transfer(
        by=world.users["principal"], transfer=transfer, credential=credential("principal"), authorisation=password
    )
    seal_a = credential("clerk", organisation=True)
    produced: list[bytes] = []

    def export() -> None:
        Transfer.objects.filter(pk=transfer.pk).update(state="decided", bundle_sha256="")
        produced.append(
            actions.export_bundle(by=world.users["clerk"], transfer=transfer, credential=seal_a, authorisation=password)
        )

    timed(f"export a bundle of {args.years} years (seal included)", export, repeat=args.repeat, cpu=True)
    raw = produced[-1]
    print(f"bundle size: {len(raw) / 1024:.0f} KiB")
    trust = trust_for_import()
    timed(
        f"verify the bundle ({args.years} PDFs + {args.years} XMLs + decision + seal)",
        lambda: bundles.verify(raw, trust=trust),
        repeat=args.repeat,
        cpu=True,
    )
    timed(
        "  of which the cheap checks (open_bundle)",
        lambda: bundles.open_bundle(raw, trust=trust),
        repeat=args.repeat,
        cpu=True,
    )
    opened = bundles.open_bundle(raw, trust=trust)
    timed(
        "  of which the records' examine (examine_records)",
        lambda: bundles.examine_records(opened, trust=trust),
        repeat=args.repeat,
        cpu=True,
    )
    seal_b = SigningCredential.objects.get(school=world.school_b, for_organisation=True)

    def import_once() -> None:
        with transaction.atomic():
            actions.import_bundle(
                by=world.users["principal_b"],
                raw=raw,
                school=world.school_b,
                credential=seal_b,
                authorisation=password,
                to_class=world.class_b_3a,
            )
            transaction.set_rollback(True)

    timed("verified import (verify + writes + signed receipt)", import_once, repeat=args.repeat, cpu=True)

    def import_refused() -> None:
        try:
            actions.import_bundle(
                by=world.users["principal_b"], raw=raw, school=world.school_b, credential=seal_b, authorisation=password
            )
        except bundles.BundleRefused as refused:
            assert refused.code == "bundle_already_imported", refused.code
        else:
            raise AssertionError("the bundle was imported twice")

    with transaction.atomic():
        actions.import_bundle(
            by=world.users["principal_b"], raw=raw, school=world.school_b, credential=seal_b, authorisation=password
        )
        timed("the same bundle again: refused, already imported", import_refused, repeat=args.repeat, cpu=True)
        transaction.set_rollback(True)
    if os.environ.get("BENCH_PROFILE") == "1":
        import cProfile
        import pstats

        from hocbaso.verification import core

        profile = cProfile.Profile()
        profile.runcall(import_once)
        if out := os.environ.get("BENCH_PROFILE_OUT"):
            profile.dump_stats(out)
        for order in ("cumulative", "tottime"):
            pstats.Stats(profile).sort_stats(order).print_stats(30)

        files = bundles.asic.unpack(raw, trust=trust).files
        pdf = files["records/2025-2026/record.pdf"]
        timed("examine one record PDF (core)", lambda: core.examine(pdf, trust=trust), repeat=3, cpu=True)
        timed(
            "examine one record XML (core)",
            lambda: core.examine(files["records/2025-2026/record.xml"], trust=trust),
            repeat=3,
            cpu=True,
        )
        for name in ("records/2025-2026/record.pdf", "records/2025-2026/record.xml"):
            started = time.perf_counter()
            profile = cProfile.Profile()
            profile.runcall(core.examine, files[name], trust=trust)
            print(f"examine {name}: {(time.perf_counter() - started) * 1000:.0f} ms (profiled)")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(18)


if __name__ == "__main__":
    main()
