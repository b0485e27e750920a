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
from communique.validate import Report, UnitFiles, render, scan



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
    validated: bool = False

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


def _documents(unit: UnitFiles) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A unit's article (an external one's ``text`` set from its hydrated copy, or None) and annotations."""
    article = unit.article
    if isinstance(article, dict) and "text" not in article:
        article["text"] = unit.hydrated
    return article, (unit.annotations() if unit.annotation_dir is not None else None)


def load_corpus(layout: Layout = DEFAULT_LAYOUT, validate: bool = True) -> Corpus:
    """Load the corpus at ``layout``; raises :class:`CorpusInvalid` if validation finds an error.

    Every file is read once, in one pass that also validates it (:func:`communique.validate.scan`);
    a unit whose files are byte for byte those of the last tree that validated clean is not checked
    again, so a command run alone always builds on a validated corpus and a second command on an
    unchanged tree costs little more than reading it. With ``validate=False`` nothing is checked
    and a file that does not parse is an error.
    """
    result = scan(layout, _documents, validate="changed" if validate else "none")
    if not result.report.ok:
        raise CorpusInvalid(result.report)
    if result.failures:
        raise RuntimeError("reading the corpus failed although it validated:\n" + "\n".join(result.failures))
    articles: dict[str, dict[str, Any]] = {}
    annotations: dict[str, dict[str, dict[str, Any]]] = {}
    for key, (article, annotated) in result.results:
        if article is not None:
            articles[article["id"]] = article
        if annotated is not None:
            annotations[key] = annotated
    return Corpus(
        layout=layout,
        version=(layout.corpus / "VERSION").read_text(encoding="utf-8").strip(),
        taxonomy=load_taxonomy(layout.taxonomy),
        registry=ActorRegistry.from_data(_load_json(layout.actors)),
        articles=articles,
        annotations=annotations,
        validated=validate,
    )
