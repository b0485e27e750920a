"""The corpus as data: articles, annotations, registry and taxonomy, loaded once and validated.

Every downstream command (splits, release, agreement, baselines) reads the corpus through
:func:`load_corpus`, which refuses a corpus the validator rejects, so nothing is built on bad data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from communique.layout import DEFAULT_LAYOUT, GOLD, Layout
from communique.registry import ActorRegistry
from communique.taxonomy import Taxonomy, load_taxonomy
from communique.validate import Report, render, validate_tree


class CorpusInvalid(Exception):
    """The corpus did not validate; ``report`` holds every problem."""

    def __init__(self, report: Report):
        super().__init__(render(report))
        self.report = report


@dataclass
class Corpus:
    """A validated corpus tree.

    ``articles`` maps id to the article record; an external article's ``text`` is filled in from
    its hydrated copy when there is one and is ``None`` otherwise. ``annotations`` maps article
    id to annotator to annotation, gold included under ``"gold"``.
    """

    layout: Layout
    version: str
    taxonomy: Taxonomy
    registry: ActorRegistry
    articles: dict[str, dict[str, Any]]
    annotations: dict[str, dict[str, dict[str, Any]]]

    def text(self, article_id: str) -> str | None:
        return self.articles[article_id].get("text")

    def gold(self, article_id: str) -> dict[str, Any] | None:
        return self.annotations.get(article_id, {}).get(GOLD)

    def raw_annotations(self, article_id: str) -> dict[str, dict[str, Any]]:
        """The per-annotator annotations of an article, gold excluded."""
        return {name: a for name, a in sorted(self.annotations.get(article_id, {}).items()) if name != GOLD}

    def ids(self) -> list[str]:
        return sorted(self.articles)


def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_corpus(layout: Layout = DEFAULT_LAYOUT, validate: bool = True) -> Corpus:
    """Load the corpus at ``layout``; raises :class:`CorpusInvalid` if validation finds an error."""
    if validate:
        report = validate_tree(layout)
        if not report.ok:
            raise CorpusInvalid(report)
    articles: dict[str, dict[str, Any]] = {}
    for path in sorted(layout.articles.glob("*.json")):
        article = _load_json(path)
        if "text" not in article:
            hydrated = layout.hydrated_text(article["id"])
            article["text"] = hydrated.read_text(encoding="utf-8") if hydrated.is_file() else None
        articles[article["id"]] = article
    annotations: dict[str, dict[str, dict[str, Any]]] = {}
    if layout.annotations.is_dir():
        for folder in sorted(layout.annotations.iterdir()):
            annotations[folder.name] = {p.stem: _load_json(p) for p in sorted(folder.glob("*.json"))}
    return Corpus(
        layout=layout,
        version=(layout.corpus / "VERSION").read_text(encoding="utf-8").strip(),
        taxonomy=load_taxonomy(layout.taxonomy),
        registry=ActorRegistry.from_data(_load_json(layout.actors)),
        articles=articles,
        annotations=annotations,
    )
