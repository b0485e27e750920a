"""The corpus as data: articles, annotations, registry and taxonomy, loaded once and validated.

Every downstream command reads the corpus through :func:`load_corpus` (the whole corpus in
memory: agreement, adjudication, statistics, baselines) or :func:`index_corpus` (one small record
per article: splits, and the release, which streams rows from the same pass). Both refuse a
corpus the validator rejects, so nothing is built on bad data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import numpy as np

from communique.layout import DEFAULT_LAYOUT, GOLD, Layout
from communique.registry import ActorRegistry
from communique.taxonomy import Taxonomy, load_taxonomy
from communique.similarity import shingle_codes
from communique.validate import PassResult, Report, UnitContext, UnitFiles, render, scan



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


def _version(layout: Layout) -> str:
    return (layout.corpus / "VERSION").read_text(encoding="utf-8").strip()


def _documents(unit: UnitFiles, context: UnitContext) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
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
    result = _checked(scan(layout, _documents, validate="changed" if validate else "none"))
    articles: dict[str, dict[str, Any]] = {}
    annotations: dict[str, dict[str, dict[str, Any]]] = {}
    for key, (article, annotated) in result.results:
        if article is not None:
            articles[article["id"]] = article
        if annotated is not None:
            annotations[key] = annotated
    return Corpus(
        layout=layout,
        version=_version(layout),
        taxonomy=load_taxonomy(layout.taxonomy),
        registry=ActorRegistry.from_data(_load_json(layout.actors)),
        articles=articles,
        annotations=annotations,
        validated=validate,
    )


# ------------------------------------------------------------------------------ the index


def committed_text(article: Mapping[str, Any]) -> str | None:
    """The text as committed: an original article's text; never a locally hydrated copy.

    Splits and releases must come out the same on every machine, hydrated or not.
    """
    return article.get("text") if article["source"]["kind"] == "original" else None


class ArticleRecord(NamedTuple):
    """What splitting and the split checks need of one article, without its text or annotations.

    ``labels`` holds ``topic:<label>`` once per gold topic and ``stance:<label>`` once per gold dyad.
    A named tuple: a hundred thousand of them cross from the pass's workers, and tuples pickle fast.
    """

    id: str
    event: str
    published: str
    text_sha256: str
    committed: bool
    gold: bool
    labels: tuple[str, ...]


def stratification_labels(gold: Mapping[str, Any] | None) -> tuple[str, ...]:
    """``topic:X`` per gold topic label and ``stance:Y`` per gold dyad (empty without gold)."""
    if gold is None:
        return ()
    return tuple(f"topic:{label}" for label in gold["topics"]["labels"]) + tuple(f"stance:{s['label']}" for s in gold["stances"])


def article_record(article: Mapping[str, Any], gold: Mapping[str, Any] | None) -> ArticleRecord:
    return ArticleRecord(
        id=article["id"], event=article["event"], published=article["published"], text_sha256=article["text_sha256"],
        committed=committed_text(article) is not None, gold=gold is not None, labels=stratification_labels(gold),
    )


@dataclass
class CorpusIndex:
    """A validated corpus as the split and release steps need it: a record per article, no texts.

    At 100,000 articles the parsed documents take gigabytes; the records take a few dozen megabytes.
    ``codes`` holds the shingle codes (:func:`communique.similarity.shingle_codes`) of every
    committed text when they were computed, for the near-duplicate search.
    """

    layout: Layout
    version: str
    taxonomy: Taxonomy
    records: dict[str, ArticleRecord]
    validated: bool = True
    codes: dict[str, Any] | None = None

    def ids(self) -> list[str]:
        return sorted(self.records)


def _index_unit(unit: UnitFiles, context: UnitContext, with_codes: bool) -> tuple[ArticleRecord, bytes | None] | None:
    """The record of a unit's article and the bytes of its shingle codes (bytes pickle faster than arrays)."""
    if not isinstance(unit.article, dict):
        return None
    text = committed_text(unit.article)
    codes = shingle_codes(text).tobytes() if with_codes and text is not None else None
    return article_record(unit.article, unit.annotations().get(GOLD)), codes


def _checked(result: PassResult) -> PassResult:
    if not result.report.ok:
        raise CorpusInvalid(result.report)
    if result.failures:
        raise RuntimeError("reading the corpus failed although it validated:\n" + "\n".join(result.failures))
    return result


def index_corpus(layout: Layout = DEFAULT_LAYOUT, with_codes: bool = True) -> CorpusIndex:
    """The validated corpus's index, in one pass on every core; raises :class:`CorpusInvalid`."""
    result = _checked(scan(layout, partial(_index_unit, with_codes=with_codes), validate="changed"))
    records = {record.id: record for _, (record, _) in result.results}
    codes = {record.id: _codes(found) for _, (record, found) in result.results if found is not None} if with_codes else None
    return CorpusIndex(layout, _version(layout), load_taxonomy(layout.taxonomy), dict(sorted(records.items())), True, codes)


def index_of(corpus: Corpus) -> CorpusIndex:
    """The index of a corpus already in memory, shingle codes included."""
    records = {a_id: article_record(corpus.articles[a_id], corpus.gold(a_id)) for a_id in corpus.ids()}
    codes = {a_id: shingle_codes(text) for a_id in corpus.ids() if (text := committed_text(corpus.articles[a_id])) is not None}
    return CorpusIndex(corpus.layout, corpus.version, corpus.taxonomy, records, corpus.validated, codes)


def shingle_codes_of(layout: Layout) -> dict[str, Any]:
    """Shingle codes of every committed text, in a pass that validates nothing (the caller did)."""
    result = _checked(scan(layout, partial(_index_unit, with_codes=True), validate="none"))
    return {record.id: _codes(found) for _, (record, found) in result.results if found is not None}


def _codes(raw: bytes) -> Any:
    return np.frombuffer(raw, dtype=np.uint64)
