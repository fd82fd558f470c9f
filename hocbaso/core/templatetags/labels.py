"""``{{ code|label:"subject" }}``: an internal code in words (``hocbaso.core.labels``)."""

from __future__ import annotations

from django import template

from hocbaso.core import labels

register = template.Library()


@register.filter(name="label")
def label(code: str | None, kind: str) -> str:
    return labels.label(kind, code)
