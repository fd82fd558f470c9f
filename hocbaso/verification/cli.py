"""The verifier's command: ``hocbaso verify FILE`` or ``python -m hocbaso.verification.cli FILE``.

Runs without the server, without a database and without the application's secret key. One step:

- **with network** (the default), it asks the deployment named in the file (its verify link) for
  the record's signed *verification packet* — the registry's answers, the tree head they are
  proven against and the ledger proofs — and checks the packet's signature with the log key of the
  trust bundle (``--trust``, from ``/verify/trust-bundle.json``);
- **without network** (``--packet FILE``, or ``--offline`` to use no registry at all), it reads the
  one packet file the deployment serves per code (``/api/v1/verify/packet/<code>``).

``--tree-head FILE``: a signed tree head the verifier holds (older or newer than the packet's);
the report then also says whether both heads belong to the same log, through a consistency
proof (from the packet made with ``?since=SIZE`` or the head file from
``/verify/tree-head.json?since=SIZE``). ``--paper TEXT`` checks a printed copy's seal QR instead
of a file (the packet, if any, is the printed code's). Without registry answers the outcome is at
best "cannot determine": an offline verifier never says "valid" on the file alone.

Bounded work: a file above ``--max-bytes`` (10 MB) is refused before it is read; every failure is
one line (never a traceback); pyHanko's logging is silenced. Exit status: 0 valid, 1 invalid,
2 cannot determine (also for unusable inputs).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from hocbaso.verification import core

EXIT = {"valid": 0, "invalid": 1, "cannot_determine": 2}
MAX_BYTES = 10 * 1024 * 1024  # as the verify page (HOCBASO_VERIFY_MAX_BYTES)
MAX_SIDE_FILE_BYTES = 5 * 1024 * 1024  # a bundle, packet or tree head
FETCH_TIMEOUT = 20.0

Fetch = Callable[[str], bytes]


class Refused(Exception):
    """An input the command cannot use: ``code`` and ``params`` name the reason (core.MESSAGES)."""

    def __init__(self, code: str, **params: str):
        super().__init__(code)
        self.code = code
        self.params = params


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hocbaso verify", description="Xác minh học bạ số.")
    p.add_argument("file", nargs="?", help="PDF or XML record file")
    p.add_argument("--trust", help="trust bundle (JSON) of the deployment (/verify/trust-bundle.json)")
    p.add_argument("--packet", help="signed verification packet of the record (/api/v1/verify/packet/<code>)")
    p.add_argument("--tree-head", dest="tree_head", help="a signed tree head you hold (/verify/tree-head.json)")
    p.add_argument("--offline", action="store_true", help="ask no deployment (without --packet: no registry)")
    p.add_argument("--paper", help="text of a printed page's paper-seal QR code (instead of a file)")
    p.add_argument("--max-bytes", dest="max_bytes", type=int, default=MAX_BYTES, help="largest file accepted")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def _bare_settings() -> None:
    """Lazy translated messages of the record modules need *some* settings to render; no database,
    no secret key."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False, DATABASES={}, INSTALLED_APPS=[])


def quiet() -> None:
    """No library logging or warnings on stderr: pyHanko logs validation failures with tracebacks."""
    for name in ("pyhanko", "pyhanko_certvalidator", "asyncio"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [logging.NullHandler()]
        logger.propagate = False
    logging.getLogger().addHandler(logging.NullHandler())
    warnings.simplefilter("ignore")


def _read(path: str, limit: int) -> bytes:
    """A file's bytes, refused (``file_too_large``) before reading when above ``limit``."""
    try:
        size = os.stat(path).st_size
        if size > limit:
            raise Refused("file_too_large", limit=str(limit))
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise Refused("input_unreadable", detail=f"{path}: {exc.strerror or type(exc).__name__}") from None


def fetch_url(url: str) -> bytes:
    """GET ``url`` (http/https only), at most :data:`MAX_SIDE_FILE_BYTES`."""
    from urllib.request import Request, urlopen

    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) address: {url[:80]}")
    headers = {"Accept": "application/json", "User-Agent": "hocbaso-verify"}
    request = Request(url, headers=headers)  # noqa: S310 (the scheme is checked above)
    with urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
        body: bytes = response.read(MAX_SIDE_FILE_BYTES + 1)
    if len(body) > MAX_SIDE_FILE_BYTES:
        raise ValueError("answer too large")
    return body


def _json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise Refused("input_unreadable", detail=what) from None


def _held_head(path: str | None) -> tuple[core.SignedTreeHead | None, tuple[core.ConsistencyProof, ...]]:
    if not path:
        return None, ()
    data = _json(_read(path, MAX_SIDE_FILE_BYTES), path)
    try:
        head = core.SignedTreeHead.from_json(data)
        proofs = tuple(core.ConsistencyProof.from_json(p) for p in data.get("consistency") or ())
    except (KeyError, TypeError, ValueError, AttributeError):
        raise Refused("input_unreadable", detail=path) from None
    return head, proofs


def _evidence(
    args: argparse.Namespace,
    trust: core.TrustStore,
    *,
    where: Callable[[int | None], str | None],
    held: core.SignedTreeHead | None,
    fetch: Fetch,
    deployment: str = "",
) -> core.Evidence | None:
    """What the deployment vouches for: the ``--packet`` file, else the packet fetched from
    ``where(since)`` (unless ``--offline``) — only when that address is under ``deployment`` (the
    trust bundle's ``deployment_url``, when it names one); None when there is none to ask."""
    if args.packet:
        return core.open_packet(_read(args.packet, MAX_SIDE_FILE_BYTES), trust)
    url = None if args.offline else where(held.size if held else None)
    if url is None:
        return None
    if deployment and not _under(url, deployment):
        # A file may name any address: only the deployment the trust bundle names is asked, so a
        # forged file cannot make the verifier's machine call an address of the forger's choosing.
        check = core.Check("registry", "not_checked", "fetch_other_deployment", {"url": url[:120]})
        return core.Evidence(None, None, checks=(check,))
    try:
        raw = fetch(url)
    except Exception as exc:  # network errors of every kind: the registry could not be asked
        check = core.Check("registry", "not_checked", "fetch_failed", {"detail": _short(exc)})
        return core.Evidence(None, None, checks=(check,))
    return core.open_packet(raw, trust)


def _under(url: str, base: str) -> bool:
    """Whether ``url`` has the scheme, host and port of ``base`` and lies below its path."""
    from urllib.parse import urlsplit

    target, root = urlsplit(url), urlsplit(base.rstrip("/") + "/")
    same_origin = (target.scheme, target.netloc.lower()) == (root.scheme, root.netloc.lower())
    return same_origin and target.path.startswith(root.path)


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:160] if text else type(exc).__name__


def _load_trust(args: argparse.Namespace, default_trust: Callable[[], Any] | None) -> Any:
    """The trust bundle; with network (no ``--offline``, no ``--packet``) revocation is also asked
    of the CAs' CRL/OCSP services, as the page does; offline only the bundle's CRLs and the file's
    own validation data count."""
    from hocbaso.verification.trust import BundleInvalid, load_bundle

    try:
        if args.trust:
            online = not (args.offline or args.packet)
            return load_bundle(_read(args.trust, MAX_SIDE_FILE_BYTES), allow_fetching=online)
        if default_trust is not None:
            return default_trust()
    except BundleInvalid as exc:
        raise Refused("bundle_invalid", detail=str(exc)[:160]) from None
    raise Refused("bundle_invalid", detail="--trust BUNDLE")


def verify(
    argv: Sequence[str], *, default_trust: Callable[[], Any] | None = None, fetch: Fetch = fetch_url
) -> core.Report:
    """The report for ``argv`` (see the module docstring); ``Refused`` for an unusable input."""
    args = parser().parse_args(list(argv))
    bundle = _load_trust(args, default_trust)
    trust = bundle.trust
    held, head_proofs = _held_head(args.tree_head)
    if args.paper:
        from hocbaso.verification import paper

        text = args.paper[:4000]
        code = paper.code_of(text)
        base = bundle.deployment_url
        evidence = _evidence(
            args,
            trust,
            where=lambda since: core.packet_url(f"{base}/verify/{code}", code, since=since) if base and code else None,
            held=held,
            fetch=fetch,
        )
        answers = evidence.registry if evidence is not None else None
        report = paper.verify_paper(
            text, trust=trust, seals=bundle.seals, answers_for=(lambda _code: answers) if answers else None
        )
        if evidence is not None and evidence.checks:
            report = core.report_of(
                [*evidence.checks, *report.checks],  # a packet not fetched or refused says so first
                document=report.document,
                status=report.status,
                superseded_by=report.superseded_by,
                demo=report.demo,
            )
        return report
    if not args.file:
        raise Refused("no_input")
    document = _read(args.file, args.max_bytes)
    findings = core.examine(document, trust=trust)
    facts = findings.facts
    evidence = _evidence(
        args,
        trust,
        where=lambda since: (
            core.packet_url(facts.verify_url, facts.issuance_code, since=since)
            if facts and facts.verify_url and facts.issuance_code
            else None
        ),
        held=held,
        fetch=fetch,
        deployment=bundle.deployment_url,
    )
    if evidence is None:
        return core.judge(findings, trust=trust, registry=None, tree_head=held)
    return core.judge(
        findings,
        trust=trust,
        registry=evidence.registry,
        tree_head=evidence.tree_head,
        held_head=held,
        proofs=(*evidence.proofs, *head_proofs),
        evidence_checks=evidence.checks,
    )


def run(
    argv: Sequence[str],
    *,
    out: TextIO,
    default_trust: Callable[[], Any] | None = None,
    fetch: Fetch = fetch_url,
    translate: Callable[[str], str] | None = None,
) -> int:
    """Verify, print (text or JSON) to ``out``; return the exit status. Never raises for an input."""
    translate = translate or core.translator()
    as_json = "--json" in argv
    try:
        report = verify(argv, default_trust=default_trust, fetch=fetch)
    except Refused as exc:
        report = core.report_of([core.Check("input", "not_checked", exc.code, exc.params)])
        if exc.code == "file_too_large":
            report = core.report_of([core.Check("input", "failed", exc.code, exc.params)])
    except Exception as exc:  # whatever a hostile input provokes: one line, never a traceback
        report = core.report_of([core.Check("input", "not_checked", "input_unreadable", {"detail": _short(exc)})])
    if as_json:
        out.write(json.dumps(worded(report, translate), ensure_ascii=False, indent=1, default=str) + "\n")
    else:
        out.write(render_text(report, translate))
    return EXIT[report.outcome]


def worded(report: core.Report, translate: Callable[[str], str]) -> dict[str, Any]:
    """The report's JSON with the sentences the page and the API show (same fields as the API)."""
    data = report.to_json()
    data["outcome_text"] = core.text_of(core.presented_outcome(report), translate=translate)
    data["reason_text"] = core.presented_reason(report, translate)
    data["facts"] = [{"label": a, "value": b} for a, b in core.facts_shown(report.document, translate)]
    for check, item in zip(report.checks, data["checks"], strict=True):
        item["text"] = core.check_sentence(check, report, translate)
    return data


def render_text(report: core.Report, translate: Callable[[str], str] | None = None) -> str:
    """The report in plain words: outcome and reason, the values a forger would change, then the rest."""
    tr = translate or core.translator()
    outcome = core.text_of(core.presented_outcome(report), translate=tr).upper()
    lines = [f"{outcome}: {core.presented_reason(report, tr)}"]
    lines.extend(f"{label}: {value}" for label, value in core.facts_shown(report.document, tr))
    if report.demo:
        lines.append("(Bộ tin cậy DEMO — không có giá trị pháp lý)")
    doc = report.document
    if doc and doc.issuance_code:
        lines.append(f"{tr('Issuance code')}: {doc.issuance_code}")
        if doc.student_name:
            born = core.display_date(doc.date_of_birth)
            lines.append(f"{tr('Student')}: {doc.student_name}" + (f" ({born})" if born else ""))
        if doc.school_name:
            klass = f", {doc.class_name}" if doc.class_name else ""  # a paper seal carries no class
            lines.append(f"{tr('School')}: {doc.school_name} — {tr('School year')} {doc.school_year or ''}{klass}")
    if report.status and core.status_label(report.status, tr):
        lines.append(f"{tr('Status')}: {core.status_label(report.status, tr)}")
    for signature in report.signatures:
        when = core.display_time(signature.signing_time) or "?"
        title = f" ({signature.title})" if signature.title else ""
        lines.append(f"{core.role_label(signature.role, tr)}: {signature.signer_name or '?'}{title} — {when}")
    mark = {"passed": "✓", "failed": "✗", "not_checked": "?"}
    for check in report.checks:
        lines.append(f"  {mark[check.status]} {core.check_sentence(check, report, tr)}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None, *, default_trust: Callable[[], Any] | None = None) -> int:
    quiet()
    if default_trust is None:
        _bare_settings()
    return run(sys.argv[1:] if argv is None else argv, out=sys.stdout, default_trust=default_trust)


if __name__ == "__main__":
    raise SystemExit(main())
