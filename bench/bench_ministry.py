"""Ministry batch figures: mapping record data to the exchange tables, building the batch XML
with its manifest, sealing it (XAdES, one signature over the whole batch), and what the receiving
side does first (schema validation, every row against the manifest) and the seal's verification.

    HOCBASO_DEMO=1 .venv/bin/python bench/bench_ministry.py [--rows 2000] [--repeat 3]

Set-up (not timed): ``--rows`` distinct records from the sample grade-5 record, a throwaway PKI
for the seal. A province-year is ~100 000 records: the figures are printed per batch and as a
rate, to read against a batch per province (ADR 0007 says when to split).
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import uuid

from _django import setup, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup("ministry")
    from hocbaso.records.samples import sample_record_data
    from hocbaso.reporting.ministry import batch
    from hocbaso.signing import xades
    from hocbaso.signing.pki import DemoPKI
    from hocbaso.verification import core

    sample = sample_record_data()
    datas = []
    for _ in range(args.rows):
        data = copy.deepcopy(sample)
        data["record_id"] = str(uuid.uuid4())
        datas.append(data)
    pki = DemoPKI.create(tempfile.mkdtemp(prefix="hocbaso-bench-pki-"))
    key, cert = pki.issue_organisation("Sở Giáo dục và Đào tạo (bench)")
    header = {
        "BatchId": "51-bench",
        "DepartmentCode": "51",
        "DepartmentName": "Sở GDĐT (bench)",
        "SchoolYear": "2024-2025",
        "Kind": "full",
        "MappingVersion": "2025.1-reconstructed",
        "CreatedAt": "2025-07-15T08:00:00+07:00",
    }

    def entries() -> list[batch.Entry]:
        return [
            batch.entry_for(d, ref=f"r{n}", record_xml_sha256="0" * 64, department_code="51")
            for n, d in enumerate(datas, 1)
        ]

    mapped = entries()
    built = batch.build(header, mapped)
    sealed = xades.sign_xml(built, key=key, cert_chain=[cert, *pki.chain()], role=batch.DEPARTMENT_TITLE)
    trust = core.TrustStore(roots=tuple(pki.roots()), allow_fetching=False, revocation_mode="soft-fail")
    size = len(sealed)
    print(f"rows per batch: {args.rows}; batch size {size / 1e6:.1f} MB ({size / args.rows / 1024:.1f} KB a row)")
    t_map = timed(f"map {args.rows} records (entry_for)", entries, repeat=args.repeat)
    t_build = timed(
        f"build the batch XML with its manifest ({args.rows} rows)",
        lambda: batch.build(header, mapped),
        repeat=args.repeat,
    )
    t_seal = timed(
        "seal it (XAdES over the whole batch)",
        lambda: xades.sign_xml(built, key=key, cert_chain=[cert, *pki.chain()], role=batch.DEPARTMENT_TITLE),
        repeat=args.repeat,
    )
    t_check = timed("receiving side: schema + manifest (batch.check)", lambda: batch.check(sealed), repeat=args.repeat)
    t_verify = timed(
        "receiving side: verify the seal", lambda: core.signed_xml_checks(sealed, trust), repeat=args.repeat
    )
    per_row = (t_map + t_build + t_seal) / args.rows
    print(
        f"sending side: {1 / per_row:,.0f} rows/s → ~{100_000 * per_row:,.0f} s for a province-year of 100 000 records"
    )
    per_row_in = (t_check + t_verify) / args.rows
    print(f"receiving side: {1 / per_row_in:,.0f} rows/s → ~{100_000 * per_row_in:,.0f} s for 100 000 records")


if __name__ == "__main__":
    main()
