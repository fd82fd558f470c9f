"""The home page's sections. Each app registers, in its ``AppConfig.ready``, a function that
returns what the signed-in person can do now in that app; core never imports the apps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    hint: str = ""


@dataclass(frozen=True)
class Section:
    """A titled group of links; ``order`` places it on the page; a ``wide`` one (a list of tasks)
    takes the whole width."""

    title: str
    links: list[Link] = field(default_factory=list)
    order: int = 100
    note: str = ""
    wide: bool = False


SectionProvider = Callable[[Any], list[Section]]
_providers: list[SectionProvider] = []


def register(provider: SectionProvider) -> SectionProvider:
    """Add a provider (idempotent, so a reloaded app does not register twice)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections_for(user: Any) -> list[Section]:
    """Every non-empty section for ``user``, in order."""
    found = [section for provider in _providers for section in provider(user) if section.links or section.note]
    return sorted(found, key=lambda s: s.order)
