"""Memory and time of ``hocbaso verify`` (the verifier's command) for ordinary and hostile inputs,
each in a fresh process, without settings, secret key or database — as a verifier runs it.

    .venv/bin/python bench/bench_verify_command.py

Inputs (built in a temp dir, nothing kept): the sample record rendered and signed three times with
a throwaway PKI; a PDF of 10 MB (the size limit) made of 170,000 tiny objects; the record with a 9 MB
incremental update of 60,000 objects; a PDF padded to
10 MB with one stream; a 10 MB XML of 400,000 elements; a 50 MB file (refused unread); a truncated
record. Prints the exit status, the first words of the verdict, wall time and the peak resident
memory of the command's process (``ru_maxrss`` of the child, as ``/usr/bin/time -v`` reports it).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 10 * 1024 * 1024


def _signed_sample(tmp: Path) -> tuple[bytes, bytes]:
    """The sample record signed homeroom (certifying) → principal → school, and the trust bundle."""
    sys.path.insert(0, str(ROOT))
    from django.conf import settings

    settings.configure(USE_I18N=False, DATABASES={}, INSTALLED_APPS=[])
    from hocbaso.records.rendering import render_pdf
    from hocbaso.records.samples import sample_record_data
    from hocbaso.records.xml import build_xml
    from hocbaso.signing import pades
    from hocbaso.signing.backends import KeySource
    from hocbaso.signing.pki import DemoPKI
    from hocbaso.signing.timestamper import LoadedKeyTimeStamper
    from hocbaso.verification.trust import dump_bundle

    pki = DemoPKI.create(tmp / "pki")
    tsa = LoadedKeyTimeStamper(pki.tsa_cert, pki.tsa_key, pki.chain())
    pdf = render_pdf(build_xml(sample_record_data(issuance_code="HB-7K3M-Q9TD-2XWP-T", record_id="bench")), draft=False)
    for role in ("homeroom", "principal", "school"):
        key, cert = pki.issue_personal(f"Người ký {role}")
        source = KeySource(key, cert, pki.chain())
        pdf = pades.sign_pdf(pdf, field_name=role, signer=source, certify=role == "homeroom", timestamper=tsa)
    return pdf, dump_bundle(roots=pki.roots(), intermediates=pki.chain())


def _many_objects() -> bytes:
    """A syntactically plausible PDF of ~10 MB made of tiny indirect objects and a huge xref."""
    parts = [b"%PDF-1.7\n"]
    offsets = []
    size = len(parts[0])
    count = 0
    while size < LIMIT * 0.64:  # the xref takes the rest
        count += 1
        obj = b"%d 0 obj\n<< /A [1 2 3] /B (x) >>\nendobj\n" % count
        offsets.append(size)
        parts.append(obj)
        size += len(obj)
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1)]
    xref.extend(b"%010d 00000 n \n" % offset for offset in offsets)
    body = b"".join(parts) + b"".join(xref)
    return body + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count + 1, len(body))


def _record_with_big_update(record: bytes, count: int = 60_000) -> bytes:
    """The signed record plus an incremental update of ``count`` new objects (150 bytes each) hung
    on the catalog (every revision is parsed and compared by the difference analysis)."""
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(record), strict=False)
    refs = generic.ArrayObject()
    filler = generic.TextStringObject("x" * 100)
    for index in range(count):
        refs.append(
            writer.add_object(
                generic.DictionaryObject(
                    {generic.NameObject("/N"): generic.NumberObject(index), generic.NameObject("/T"): filler}
                )
            )
        )
    writer.root[generic.NameObject("/Bench")] = writer.add_object(refs)
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()[:LIMIT]


def _one_big_stream() -> bytes:
    head = b"%PDF-1.7\n1 0 obj\n<< /Length " + str(LIMIT - 400).encode() + b" >>\nstream\n"
    return head + b"\x00" * (LIMIT - 400) + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _big_xml() -> bytes:
    item = b"<Subject><Code>x</Code></Subject>"
    return b"<?xml version='1.0'?><Record xmlns='urn:x'>" + item * ((LIMIT - 200) // len(item)) + b"</Record>"


def _measure(argv: list[str]) -> tuple[int, str, float, float]:
    """Run the command in a child process: exit status, first line, seconds, peak RSS (MB)."""
    script = (
        "import resource, subprocess, sys;"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "print(r.returncode); print((r.stdout.splitlines() or [''])[0][:70]); print(len(r.stderr));"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}  # no secret key, no demo mode
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / ".venv" / "bin" / "hocbaso"), "verify", *argv],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.splitlines()
    elapsed = time.perf_counter() - started
    status, first, stderr_chars, rss_kb = int(out[0]), out[1], int(out[2]), int(out[3])
    assert stderr_chars == 0, "the command wrote to stderr"
    return status, first, elapsed, rss_kb / 1024


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hocbaso-bench-verify-command-") as name:
        tmp = Path(name)
        record, bundle = _signed_sample(tmp)
        (tmp / "bundle.json").write_bytes(bundle)
        cases = {
            "signed sample record (3 signatures)": record,
            "truncated record": record[: len(record) // 2],
            "record + update of 9,400 objects (< limit)": _record_with_big_update(record, 9_400),
            "record + 9 MB update of 60k objects": _record_with_big_update(record),
            "PDF of 10 MB, 170k tiny objects": _many_objects(),
            "PDF of 10 MB, one stream": _one_big_stream(),
            "XML of 10 MB, 300k elements": _big_xml(),
            "50 MB file (above the limit)": b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024),
        }
        print(f"{'input':<40} {'size':>9} {'exit':>4} {'seconds':>8} {'peak RSS':>9}  verdict")
        worst = 0.0
        for label, data in cases.items():
            path = tmp / "input"
            path.write_bytes(data)
            status, first, seconds, rss = _measure([str(path), "--trust", str(tmp / "bundle.json"), "--offline"])
            worst = max(worst, rss)
            print(f"{label:<40} {len(data) / 1e6:7.1f}MB {status:>4} {seconds:8.2f} {rss:7.1f}MB  {first}")
        print(f"{'worst peak RSS of the command':<40} {worst:.1f} MB (bound: 300 MB)")
        print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
