"""Registry gazetteer: every registry name and alias found in a text, longest match first.

Used three ways: to pre-fill annotation skeletons with candidate mentions, as the actor
baseline of the benchmark, and to resolve a mention written as quoted text. Matching is
case-sensitive ("US" is not "us") and respects word boundaries, so "Indiana" is no mention of
India; scanning left to right, the longest form starting at a position wins ("China Coast
Guard" over "China").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from communique.registry import ActorRegistry


@dataclass(frozen=True, order=True)
class Match:
    """A surface form of ``actor`` at ``[start, end)`` (code points)."""

    start: int
    end: int
    actor: str
    text: str


class Gazetteer:
    """A compiled matcher over the unambiguous surface forms of a registry."""

    def __init__(self, registry: ActorRegistry, exclude_types: frozenset[str] = frozenset()):
        forms = {
            form: actor
            for form, actor in registry.alias_index().items()
            if registry.type(actor) not in exclude_types and len(form) >= 2
        }
        self.forms = forms
        ordered = sorted(forms, key=lambda f: (-len(f), f))
        self._pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)") if ordered else None

    def find(self, text: str) -> list[Match]:
        """Every non-overlapping match in ``text``, in text order."""
        if self._pattern is None:
            return []
        return [Match(m.start(), m.end(), self.forms[m.group()], m.group()) for m in self._pattern.finditer(text)]

    def actors(self, text: str) -> list[str]:
        """The distinct actors found in ``text``, sorted."""
        return sorted({m.actor for m in self.find(text)})


def roll_up_matches(matches: list[Match], registry: ActorRegistry) -> list[str]:
    """The distinct actors of ``matches`` and every actor above them (agency → state)."""
    found: set[str] = set()
    for match in matches:
        actor: str | None = match.actor
        while actor and actor in registry and actor not in found:
            found.add(actor)
            actor = registry.up(actor)
    return sorted(found)
