"""The SHA-256 of the Typst compiles already done, so that comparing a file with one of them needs
no second compile (ADR 0024).

Verification compares a signed record's first revision, byte for byte, with the Typst render of
its embedded XML. That render is deterministic: the same template files, the same Typst (with its
embedded fonts, the only fonts it may use), the same ``sys.inputs``, document date and PDF standard
give the same bytes. So once this deployment has compiled a job when it issued the record, the
length and SHA-256 of the output are all the comparison needs: ``document`` starts with the render
exactly when its first ``length`` bytes have that SHA-256.

- :func:`key` names a compile: the SHA-256 of the renderer (the Typst package's version and every
  file under the template folder, read once a process) and of the job (template, inputs, date,
  standard). Anything that could change the bytes changes the key; nothing else is trusted.
- :func:`remember` is called by issuance only (``rendering.render_pdf`` of a final record), with
  the output it compiled: a verified upload keeps nothing, so nobody outside grows the store.
  :func:`recall` gives ``(length, SHA-256)`` or None.
- They live in the cache ``render_digests`` (settings ``CACHES``: the deployment's shared Redis in
  production; in the embedded set-up an in-process cache of its own, so that many digests never
  push the rate limits and sign-in counts out of the default one) for :data:`KEPT_SECONDS`. The
  cache is the deployment's own store, as for the cached lookup answers (ADR 0018): whoever could
  write into it could as well write a lookup's answer. A cache that fails, or holds something else
  under the key, is the same as one that does not know the job: the render is done again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import json
import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

KEPT_SECONDS = 400 * 24 * 3600  # a record issued in May is verified at admission, weeks or months later
_PREFIX = "render-digest:"


@functools.cache
def renderer(template_dir: Path) -> bytes:
    """The SHA-256 of what, beside a job, decides a compile's bytes: Typst's version (its fonts come
    with it) and every file under ``template_dir`` (names and contents)."""
    digest = hashlib.sha256(importlib.metadata.version("typst").encode())
    for path in sorted(p for p in template_dir.rglob("*") if p.is_file()):
        name = path.relative_to(template_dir).as_posix().encode()
        content = path.read_bytes()
        digest.update(b"%d:%s%d:" % (len(name), name, len(content)) + content)
    return digest.digest()


def key(
    template_dir: Path, template: Path, inputs: dict[str, str], timestamp: dt.datetime, standard: str | None
) -> str:
    """The cache key of compiling ``template`` (under ``template_dir``) with ``inputs``, the document
    date ``timestamp`` and ``standard``."""
    job = json.dumps(
        [template.relative_to(template_dir).as_posix(), inputs, timestamp.isoformat(), standard],
        ensure_ascii=False,
        sort_keys=True,
    )
    return _PREFIX + hashlib.sha256(renderer(template_dir) + job.encode()).hexdigest()


def store() -> Any:
    """The cache the digests live in (``CACHES["render_digests"]``)."""
    from django.core.cache import caches

    return caches["render_digests"]


def remember(job_key: str, output: bytes) -> None:
    """Keep the length and SHA-256 of ``output``, compiled here for ``job_key``."""
    try:
        store().set(job_key, (len(output), hashlib.sha256(output).hexdigest()), KEPT_SECONDS)
    except Exception as exc:  # a cache that fails only costs a render later
        logger.warning("render digest not kept (%s: %s)", type(exc).__name__, exc)


def recall(job_key: str) -> tuple[int, str] | None:
    """``(length, SHA-256)`` of the output compiled for ``job_key``, or None when not known."""
    try:
        value: Any = store().get(job_key)
    except Exception as exc:  # as if unknown: the render is done
        logger.warning("render digest not read (%s: %s)", type(exc).__name__, exc)
        return None
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], str)
        and len(value[1]) == 64
    ):
        return value
    return None


def begins_with(document: bytes, known: tuple[int, str]) -> bool:
    """Whether ``document`` starts with the output whose ``(length, SHA-256)`` is ``known``."""
    length, digest = known
    return len(document) >= length and hashlib.sha256(memoryview(document)[:length]).hexdigest() == digest
