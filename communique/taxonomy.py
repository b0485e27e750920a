"""The closed label sets, read from ``schema/taxonomy.json``: their one definition."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from communique.layout import DEFAULT_LAYOUT

LABELS_SCHEMA_ID = "https://communique.invalid/schema/labels.schema.json"


@dataclass(frozen=True)
class Taxonomy:
    """Every label set of the corpus, in the order the taxonomy file gives them."""

    version: str
    genres: tuple[str, ...]
    topics: tuple[str, ...]
    actor_types: tuple[str, ...]
    salience: tuple[str, ...]
    stance_labels: tuple[str, ...]
    modes: tuple[str, ...]
    quad_classes: tuple[str, ...]
    event_types: tuple[str, ...]
    event_quad_class: dict[str, str]
    raw: dict[str, Any]

    def quad_class(self, label: str, mode: str) -> str:
        """The CAMEO/PLOVER quad class of a stance label and mode (``neutral`` for neutral)."""
        for name, spec in self.raw["quad_classes"].items():
            if spec["label"] == label and spec["mode"] in (mode, None):
                return name
        raise KeyError(f"no quad class for label {label!r} and mode {mode!r}")


def taxonomy_from_data(data: dict[str, Any]) -> Taxonomy:
    """Build a :class:`Taxonomy` from the parsed taxonomy file."""
    return Taxonomy(
        version=data["version"],
        genres=tuple(data["genres"]),
        topics=tuple(data["topics"]),
        actor_types=tuple(data["actor_types"]),
        salience=tuple(data["salience"]),
        stance_labels=tuple(data["stance_labels"]),
        modes=tuple(data["modes"]),
        quad_classes=tuple(data["quad_classes"]),
        event_types=tuple(data["event_types"]),
        event_quad_class={name: spec["quad_class"] for name, spec in data["event_types"].items()},
        raw=data,
    )


@cache
def load_taxonomy(path: Path = DEFAULT_LAYOUT.taxonomy) -> Taxonomy:
    """The taxonomy at ``path`` (cached: it is read on every command)."""
    return taxonomy_from_data(json.loads(path.read_text(encoding="utf-8")))


def labels_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """The generated JSON Schema whose ``$defs`` hold every label set as an ``enum``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": LABELS_SCHEMA_ID,
        "$comment": "generated from schema/taxonomy.json by `communique generate`; do not edit",
        "title": "Communiqué label sets",
        "$defs": {
            "genre": {"enum": list(taxonomy.genres)},
            "topic": {"enum": list(taxonomy.topics)},
            "actor_type": {"enum": list(taxonomy.actor_types)},
            "salience": {"enum": list(taxonomy.salience)},
            "stance_label": {"enum": list(taxonomy.stance_labels)},
            "mode": {"enum": list(taxonomy.modes)},
            "event_type": {"enum": list(taxonomy.event_types)},
        },
    }
