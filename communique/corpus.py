"""The corpus as data: articles, annotations, registry and taxonomy, loaded once and validated.

Every downstream command (splits, release, agreement, baselines) reads the corpus through
:func:`load_corpus`, which refuses a corpus the validator rejects, so nothing is built on bad data.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from communique import cache
from communique.layout import DEFAULT_LAYOUT, GOLD, Layout
from communique.registry import ActorRegistry
from communique.taxonomy import Taxonomy, load_taxonomy
from communique.validate import Report, render, validate_tree


VALIDATED = "validated.json"


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


class _Reader:
    """Reads corpus files while feeding their names and bytes into one digest."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()

    def mark(self, *parts: str) -> None:
        self.digest.update("\0".join(parts).encode("utf-8", "surrogateescape") + b"\1")

    def raw(self, path: Path) -> bytes:
        data = path.read_bytes()
        self.digest.update(len(data).to_bytes(8, "little"))
        self.digest.update(data)
        return data

    def json(self, path: Path) -> Any:
        return json.loads(self.raw(path).decode("utf-8"))

    def tree(self, folder: Path, label: str) -> None:
        """Every name and file below ``folder`` (the schema folder)."""
        if not folder.is_dir():
            self.mark(label, "absent")
            return
        for path in sorted(p for p in folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if path.is_file():
                self.mark(label, "file", relative)
                self.raw(path)
            else:
                self.mark(label, "other", relative)


def _entries(folder: Path) -> list[tuple[str, bool]]:
    """(name, is a directory) of every entry of ``folder``, sorted by name; empty if it is no folder."""
    if not folder.is_dir():
        return []
    with os.scandir(folder) as found:
        return sorted((entry.name, entry.is_dir()) for entry in found)


def _read_tree(layout: Layout, reader: _Reader) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, Any]]]]:
    """Articles and annotations, every name and byte the validator looks at fed to ``reader``."""
    reader.mark("package", cache.package_digest())
    reader.tree(layout.schema, "schema")
    for path in (layout.actors, layout.corpus / "VERSION"):
        reader.mark("file", path.name)
        if path.is_file():
            reader.raw(path)
    articles: dict[str, dict[str, Any]] = {}
    for name, is_dir in _entries(layout.articles):
        reader.mark("articles", name, str(is_dir))
        if is_dir or not name.endswith(".json"):
            continue
        article = reader.json(layout.articles / name)
        if "text" not in article:
            hydrated = layout.hydrated_text(name[:-5])
            reader.mark("hydrated", hydrated.name, str(hydrated.is_file()))
            if hydrated.is_file():
                reader.raw(hydrated)
            hydrated = layout.hydrated_text(article["id"])
            article["text"] = hydrated.read_text(encoding="utf-8") if hydrated.is_file() else None
        articles[article["id"]] = article
    annotations: dict[str, dict[str, dict[str, Any]]] = {}
    for folder_name, is_dir in _entries(layout.annotations):
        reader.mark("annotations", folder_name, str(is_dir))
        if not is_dir:
            continue
        folder = layout.annotations / folder_name
        loaded = {}
        for name, inner_dir in _entries(folder):
            reader.mark("annotation", name, str(inner_dir))
            if not inner_dir and name.endswith(".json"):
                loaded[name[:-5]] = reader.json(folder / name)
        annotations[folder_name] = loaded
    return articles, annotations


def load_corpus(layout: Layout = DEFAULT_LAYOUT, validate: bool = True) -> Corpus:
    """Load the corpus at ``layout``; raises :class:`CorpusInvalid` if validation finds an error.

    The tree is read once; every name and byte the validator depends on (and the source of this
    package) is digested on the way. The full validator runs unless the last tree that validated
    clean had the same digest (:mod:`communique.cache`), so a command run alone always builds on a
    validated corpus and a second command on an unchanged tree does not validate it again.
    """
    reader = _Reader()
    try:
        articles, annotations = _read_tree(layout, reader)
    except Exception:
        if not validate:
            raise
        report = validate_tree(layout)
        if not report.ok:
            raise CorpusInvalid(report) from None
        raise
    if validate:
        key = reader.digest.hexdigest()
        if cache.read(layout, VALIDATED, key) is None:
            report = validate_tree(layout)
            if not report.ok:
                raise CorpusInvalid(report)
            cache.write(layout, VALIDATED, key, {"articles": report.articles, "annotations": report.annotations})
    return Corpus(
        layout=layout,
        version=(layout.corpus / "VERSION").read_text(encoding="utf-8").strip(),
        taxonomy=load_taxonomy(layout.taxonomy),
        registry=ActorRegistry.from_data(_load_json(layout.actors)),
        articles=articles,
        annotations=annotations,
        validated=validate,
    )
