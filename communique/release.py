"""The release build: typed JSONL configs, manifest, dataset card, Croissant file and changelog counts.

From the gold annotations and the committed split files, ``communique release`` writes
``corpus/release/`` (``data/<config>/<split>.jsonl``, ``manifest.json``, ``croissant.json``),
the dataset card (the front matter of ``README.md``, nothing else of it) and the counts block of
the current version in ``CHANGELOG.md``. Everything is a function of committed files, so two
builds are byte-identical and CI can rebuild and compare (``--check``).

Only gold-annotated articles enter the gold configs. External articles are left out of the
text-bearing configs: their text is not ours to ship, and a build must not depend on whether
the machine holds hydrated copies. ``--include-hydrated OUT`` builds a private release with the
hydrated texts into ``OUT`` (outside the committed release) for local experiments.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import queue
import re
import sys
import tempfile
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Mapping, NamedTuple

from communique.corpus import ArticleRecord, Corpus, CorpusIndex, article_record, committed_text
from communique.jsonio import ReadFailure, dumps_line_bytes, read_json, replacing_directory, write_json, write_text
from communique.layout import DEFAULT_LAYOUT, GOLD, Layout
from communique.markers import markers, replace_block
from communique.splits import SCHEMES, SPLITS, SplitProblem, documents_problems, read_split_file
from communique.registry import ActorRegistry
from communique.taxonomy import Taxonomy, load_taxonomy
from communique.validate import UnitContext, UnitFiles, render, scan

AUTHOR = "@author"
AUTHOR_NAME = "the article's author"
AUTHOR_TYPE = "author"
DATA_FORMAT = "jsonl"
KINDS = ("articles", "topics", "stance", "actors")
RELEASE_COMMAND = "communique release"
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"), (10**7, "1M<n<10M"))


@dataclass(frozen=True)
class ConfigSpec:
    """One release config: its name, the kind of rows and the split scheme that places them."""

    name: str
    kind: str
    scheme: str


def config_specs() -> list[ConfigSpec]:
    """Every config in card order: the default ``articles`` first."""
    specs = [ConfigSpec(kind, kind, "random") for kind in KINDS]
    specs += [ConfigSpec(f"{kind}-temporal", kind, "temporal") for kind in KINDS]
    specs.append(ConfigSpec("annotations", "annotations", "random"))
    return specs


# ------------------------------------------------------------------------------ features


def features_for(kind: str, taxonomy: Taxonomy):
    """The exact ``datasets.Features`` of a config kind; every label set comes from the taxonomy."""
    from datasets import ClassLabel, Features, List, Value

    span = {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}
    topic = ClassLabel(names=list(taxonomy.topics))
    actor_type = ClassLabel(names=[*taxonomy.actor_types, AUTHOR_TYPE])
    stance_fields = {
        "label": ClassLabel(names=list(taxonomy.stance_labels)),
        "mode": ClassLabel(names=list(taxonomy.modes)),
        "quad_class": ClassLabel(names=list(taxonomy.quad_classes)),
        "event_type": ClassLabel(names=list(taxonomy.event_types)),
        "evidence": List(span),
    }
    topics = {"primary": topic, "labels": List(topic)}
    actors = List({"actor": Value("string"), "name": Value("string"), "type": actor_type,
                   "salience": ClassLabel(names=list(taxonomy.salience)), "mentions": List(span)})
    stances = List({"source": Value("string"), "target": Value("string"), **stance_fields})
    if kind == "articles":
        return Features({
            "id": Value("string"), "title": Value("string"), "published": Value("date32"), "dateline": Value("string"),
            "language": Value("string"), "genre": ClassLabel(names=list(taxonomy.genres)), "event": Value("string"),
            "text": Value("string"), "text_sha256": Value("string"), "added_in": Value("string"),
            "source": {
                "kind": Value("string"), "license": Value("string"), "outlet": Value("string"), "url": Value("string"),
                "references": List({"outlet": Value("string"), "title": Value("string"), "url": Value("string"),
                                    "date": Value("date32"), "date_precision": Value("string")}),
            },
            "topics": topics, "actors": actors, "stances": stances,
            "adjudication": {"method": Value("string"), "sources": List(Value("string"))},
        })
    if kind == "topics":
        return Features({"id": Value("string"), "title": Value("string"), "text": Value("string"), "labels": List(topic), "primary": topic})
    if kind == "stance":
        return Features({
            "id": Value("string"), "article_id": Value("string"),
            "source": Value("string"), "source_name": Value("string"), "source_type": actor_type,
            "target": Value("string"), "target_name": Value("string"), "target_type": actor_type,
            **stance_fields,
        })
    if kind == "actors":
        return Features({
            "id": Value("string"), "text": Value("string"), "actors": List(Value("string")),
            "mentions": List({"start": Value("int32"), "end": Value("int32"), "text": Value("string"), "actor": Value("string")}),
        })
    if kind == "annotations":
        return Features({
            "article_id": Value("string"), "annotator": Value("string"), "guidelines": Value("string"),
            "text_sha256": Value("string"), "topics": topics, "actors": List({"actor": Value("string"),
            "salience": ClassLabel(names=list(taxonomy.salience)), "mentions": List(span)}),
            "stances": stances,
        })
    raise ValueError(f"unknown config kind {kind!r}")


# ---------------------------------------------------------------------------------- rows


def _reference_row(reference: Mapping[str, Any]) -> dict[str, Any]:
    """A source reference with its partial date as a full date plus its precision."""
    date = reference.get("date")
    precision = None
    if date is not None:
        precision = {4: "year", 7: "month", 10: "day"}[len(date)]
        date = {4: f"{date}-01-01", 7: f"{date}-01", 10: date}[len(date)]
    return {"outlet": reference["outlet"], "title": reference["title"], "url": reference.get("url"), "date": date, "date_precision": precision}


def _stance_row(stance: Mapping[str, Any], taxonomy: Taxonomy) -> dict[str, Any]:
    return {
        "source": stance["source"], "target": stance["target"], "label": stance["label"], "mode": stance["mode"],
        "quad_class": taxonomy.quad_class(stance["label"], stance["mode"]), "event_type": stance.get("event_type"),
        "evidence": [_span(s) for s in stance["evidence"]],
    }


def _span(span: Mapping[str, Any]) -> dict[str, Any]:
    return {"start": span["start"], "end": span["end"], "text": span["text"]}


def article_row(article: Mapping[str, Any], text: str, gold: Mapping[str, Any], registry: ActorRegistry, taxonomy: Taxonomy) -> dict[str, Any]:
    """The ``articles`` row: metadata, text and every gold layer nested."""
    source = article["source"]
    return {
        "id": article["id"], "title": article["title"], "published": article["published"], "dateline": article["dateline"],
        "language": article["language"], "genre": article["genre"], "event": article["event"], "text": text,
        "text_sha256": article["text_sha256"], "added_in": article["added_in"],
        "source": {"kind": source["kind"], "license": source["license"], "outlet": source.get("outlet"), "url": source.get("url"),
                   "references": [_reference_row(r) for r in source.get("references", [])]},
        "topics": {"primary": gold["topics"]["primary"], "labels": list(gold["topics"]["labels"])},
        "actors": [{"actor": a["actor"], "name": registry.name(a["actor"]), "type": registry.type(a["actor"]),
                    "salience": a["salience"], "mentions": [_span(m) for m in a["mentions"]]} for a in gold["actors"]],
        "stances": [_stance_row(s, taxonomy) for s in gold["stances"]],
        "adjudication": {"method": gold["adjudication"]["method"], "sources": list(gold["adjudication"].get("sources", []))},
    }


def topic_row(article: Mapping[str, Any], text: str, gold: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": article["id"], "title": article["title"], "text": text, "labels": list(gold["topics"]["labels"]), "primary": gold["topics"]["primary"]}


def _who(registry: ActorRegistry, actor: str) -> tuple[str, str]:
    if actor == AUTHOR:
        return AUTHOR_NAME, AUTHOR_TYPE
    return registry.name(actor), registry.type(actor)


def stance_rows(article: Mapping[str, Any], gold: Mapping[str, Any], registry: ActorRegistry, taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """One row per gold dyad, in annotation order; ``id`` is ``<article>:<index>``.

    The article's text is not repeated on each of its dyads (it is in every other text-bearing
    config, under the same ``id`` as the row's ``article_id``): an article has four to five
    dyads, and repeating its text made the stance configs half the release.
    """
    rows = []
    for index, stance in enumerate(gold["stances"]):
        source_name, source_type = _who(registry, stance["source"])
        target_name, target_type = _who(registry, stance["target"])
        row = _stance_row(stance, taxonomy)
        rows.append({
            "id": f"{article['id']}:{index}", "article_id": article["id"],
            "source": row["source"], "source_name": source_name, "source_type": source_type,
            "target": row["target"], "target_name": target_name, "target_type": target_type,
            "label": row["label"], "mode": row["mode"], "quad_class": row["quad_class"], "event_type": row["event_type"],
            "evidence": row["evidence"],
        })
    return rows


def actor_row(article: Mapping[str, Any], text: str, gold: Mapping[str, Any]) -> dict[str, Any]:
    mentions = [{**_span(m), "actor": a["actor"]} for a in gold["actors"] for m in a["mentions"]]
    return {"id": article["id"], "text": text, "actors": [a["actor"] for a in gold["actors"]],
            "mentions": sorted(mentions, key=lambda m: (m["start"], m["end"], m["actor"]))}


def annotation_row(annotation: Mapping[str, Any], taxonomy: Taxonomy) -> dict[str, Any]:
    """A raw per-annotator annotation as one row (no text: agreement needs none)."""
    return {
        "article_id": annotation["article_id"], "annotator": annotation["annotator"], "guidelines": annotation["guidelines"],
        "text_sha256": annotation["text_sha256"],
        "topics": {"primary": annotation["topics"]["primary"], "labels": list(annotation["topics"]["labels"])},
        "actors": [{"actor": a["actor"], "salience": a["salience"], "mentions": [_span(m) for m in a["mentions"]]} for a in annotation["actors"]],
        "stances": [_stance_row(s, taxonomy) for s in annotation["stances"]],
    }


class ArticleRows(NamedTuple):
    """One article's share of the release: its record, whether its text ships, and per config kind
    its rows serialised once (JSON Lines bytes, row count), whichever scheme's file they go to."""

    record: ArticleRecord
    has_text: bool
    blocks: dict[str, tuple[bytes, int]]


def _block(rows: list[dict[str, Any]]) -> tuple[bytes, int]:
    return b"".join(map(dumps_line_bytes, rows)), len(rows)


def article_rows(
    article: Mapping[str, Any], annotations: Mapping[str, Mapping[str, Any]], registry: ActorRegistry, taxonomy: Taxonomy, include_hydrated: bool
) -> ArticleRows:
    """Every row one article contributes: gold configs when it has gold and a shippable text, and
    one ``annotations`` row per raw annotation (no text needed)."""
    gold = annotations.get(GOLD)
    text = article.get("text") if include_hydrated else committed_text(article)
    blocks: dict[str, tuple[bytes, int]] = {}
    if gold is not None and text is not None:
        blocks["articles"] = _block([article_row(article, text, gold, registry, taxonomy)])
        blocks["topics"] = _block([topic_row(article, text, gold)])
        blocks["stance"] = _block(stance_rows(article, gold, registry, taxonomy))
        blocks["actors"] = _block([actor_row(article, text, gold)])
    raw = [annotation_row(annotation, taxonomy) for name, annotation in sorted(annotations.items()) if name != GOLD]
    if raw:
        blocks["annotations"] = _block(raw)
    return ArticleRows(article_record(article, gold), text is not None, {kind: block for kind, block in blocks.items() if block[1]})


def _rows_of_unit(unit: UnitFiles, context: UnitContext, include_hydrated: bool) -> ArticleRows | None:
    """:func:`article_rows` of one unit of the corpus pass (runs in its workers)."""
    if not isinstance(unit.article, dict):
        return None
    article = unit.article if "text" in unit.article else {**unit.article, "text": unit.hydrated}
    return article_rows(article, unit.annotations(), context.registry, context.taxonomy, include_hydrated)


class DataFiles:
    """The data files of a release being written: rows appended in article-id order, hashed on the way.

    A file is created with its first row, so a split without rows has no file. Rows gather in
    memory per file and go out in blocks of about a megabyte to one writer thread per scheme,
    which writes and hashes them (both release the interpreter lock), so disk and hashing overlap
    with the making of rows.
    """

    FLUSH_BYTES = 1 << 20

    def __init__(self, out: Path, split_documents: Mapping[str, Mapping[str, Any]]):
        self.out = out
        self.events = {scheme: document["events"] for scheme, document in split_documents.items()}
        self.specs = config_specs()
        self.rows: dict[str, dict[str, int]] = {spec.name: {} for spec in self.specs}
        self.records: list[tuple[ArticleRecord, bool]] = []
        self.pending: dict[str, list[bytes]] = {}
        self.pending_bytes: dict[str, int] = {}
        self.digests: dict[str, Any] = {}
        self.writers = {scheme: _FileWriter(out) for scheme in dict.fromkeys(spec.scheme for spec in self.specs)}
        self.scheme_of: dict[str, str] = {}

    def add(self, article: ArticleRows) -> None:
        self.records.append((article.record, article.has_text))
        for spec in self.specs:
            block = article.blocks.get(spec.kind)
            split = self.events.get(spec.scheme, {}).get(article.record.event)
            if block is None or split not in SPLITS:
                continue
            relative = f"data/{spec.name}/{split}.{DATA_FORMAT}"
            if relative not in self.pending:
                self.pending[relative], self.pending_bytes[relative] = [], 0
                self.scheme_of[relative] = spec.scheme
            self.pending[relative].append(block[0])
            self.pending_bytes[relative] += len(block[0])
            self.rows[spec.name][split] = self.rows[spec.name].get(split, 0) + block[1]
            if self.pending_bytes[relative] >= self.FLUSH_BYTES:
                self._flush(relative)

    def _flush(self, relative: str) -> None:
        self.writers[self.scheme_of[relative]].put(relative, b"".join(self.pending[relative]))
        self.pending[relative], self.pending_bytes[relative] = [], 0

    def close(self) -> dict[str, str]:
        """Write what is left and close every file; returns the sha256 of each, by path relative to the release."""
        for relative in self.pending:
            if self.pending[relative]:
                self._flush(relative)
        hashes: dict[str, str] = {}
        for writer in self.writers.values():
            hashes.update(writer.finish())
        return dict(sorted(hashes.items()))


class _FileWriter:
    """A thread that appends blocks to files under ``out`` and hashes them; errors surface in :meth:`finish`."""

    def __init__(self, out: Path):
        self.out = out
        self.queue: queue.Queue = queue.Queue(maxsize=64)
        self.streams: dict[str, Any] = {}
        self.digests: dict[str, Any] = {}
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="release-writer", daemon=True)
        self.thread.start()

    def put(self, relative: str, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((relative, data))

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is not None:
                continue
            relative, data = item
            try:
                if relative not in self.streams:
                    (self.out / relative).parent.mkdir(parents=True, exist_ok=True)
                    self.streams[relative] = (self.out / relative).open("wb")
                    self.digests[relative] = hashlib.sha256()
                self.streams[relative].write(data)
                self.digests[relative].update(data)
            except BaseException as error:  # re-raised in the main thread by finish()
                self.error = error

    def finish(self) -> dict[str, str]:
        self.queue.put(None)
        self.thread.join()
        for stream in self.streams.values():
            stream.close()
        if self.error is not None:
            raise self.error
        return {relative: digest.hexdigest() for relative, digest in self.digests.items()}


def write_release(corpus: Corpus, split_documents: Mapping[str, Mapping[str, Any]], out: Path, include_hydrated: bool = False) -> dict[str, Any]:
    """Write every data file, ``croissant.json`` and ``manifest.json`` of an in-memory corpus into the
    empty folder ``out``; returns the manifest (``communique release`` streams from disk instead)."""
    files = DataFiles(out, split_documents)
    try:
        for article_id in corpus.ids():
            files.add(article_rows(corpus.articles[article_id], corpus.annotations.get(article_id, {}), corpus.registry, corpus.taxonomy, include_hydrated))
    finally:
        hashes = files.close()
    return finish_release(files, hashes, corpus.version, corpus.taxonomy, split_documents, include_hydrated)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def finish_release(
    files: DataFiles, hashes: dict[str, str], version: str, taxonomy: Taxonomy, split_documents: Mapping[str, Mapping[str, Any]], include_hydrated: bool
) -> dict[str, Any]:
    """Write ``croissant.json`` and ``manifest.json`` beside the data files; returns the manifest."""
    out = files.out
    configs: dict[str, Any] = {}
    for spec in files.specs:
        splits = {split: {"file": f"data/{spec.name}/{split}.{DATA_FORMAT}", "rows": files.rows[spec.name][split]}
                  for split in SPLITS if files.rows[spec.name].get(split)}
        configs[spec.name] = {"kind": spec.kind, "scheme": spec.scheme, "splits": splits}
    records = sorted(files.records, key=lambda item: item[0].id)
    left_out = {
        "unhydrated_external": [r.id for r, has_text in records if r.gold and not has_text],
        "without_gold": [r.id for r, _ in records if not r.gold],
        "unassigned": [r.id for r, _ in records if any(r.event not in events for events in files.events.values())],
    }
    manifest: dict[str, Any] = {
        "name": "communique",
        "version": version,
        "format": DATA_FORMAT,
        "include_hydrated": include_hydrated,
        "default_config": config_specs()[0].name,
        "configs": configs,
        "left_out": left_out,
        "left_out_note": "external articles are not redistributed: they are left out of text-bearing configs unless a "
        "private build is made with --include-hydrated; articles without gold annotations are not released yet",
        "splits": {scheme: {"seed": d["seed"], **({"cutoffs": d["cutoffs"]} if "cutoffs" in d else {})} for scheme, d in split_documents.items()},
    }
    write_json(out / "croissant.json", croissant(taxonomy, manifest, hashes))
    hashes = {**hashes, "croissant.json": _sha256_file(out / "croissant.json")}
    manifest["files"] = dict(sorted(hashes.items()))
    write_json(out / "manifest.json", manifest)
    return manifest


def size_category(count: int) -> str:
    """The Hub's size category for ``count`` examples."""
    return next(name for limit, name in SIZE_CATEGORIES if count < limit)


# ---------------------------------------------------------------------------------- card


def card_yaml(taxonomy: Taxonomy, manifest: Mapping[str, Any], card_source: Mapping[str, Any], release_prefix: str) -> str:
    """The dataset card front matter (YAML, without the ``---`` lines), from card.json, the taxonomy and counts."""
    from datasets import DatasetInfo
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCardData

    default = manifest["default_config"]
    configs = []
    infos = {}
    for spec in config_specs():
        splits = manifest["configs"][spec.name]["splits"]
        if not splits:
            continue
        entry: dict[str, Any] = {"config_name": spec.name, "data_files": [{"split": s, "path": f"{release_prefix}/{info['file']}"} for s, info in splits.items()]}
        if spec.name == default:
            entry["default"] = True
        configs.append(entry)
        infos[spec.name] = DatasetInfo(features=features_for(spec.kind, taxonomy), config_name=spec.name)
    articles = sum(info["rows"] for info in manifest["configs"][default]["splits"].values())
    fields = dict(card_source)
    fields["size_categories"] = [size_category(articles)]
    card_data = DatasetCardData(**fields, configs=configs)
    if infos:
        DatasetInfosDict(infos).to_dataset_card_data(card_data)
    return card_data.to_yaml()


_FRONT_MATTER = re.compile(r"\A---\n(?:.*?\n)??---(?:\n|\Z)", re.DOTALL)


def with_front_matter(readme: str, yaml_text: str) -> str:
    """``readme`` with its leading front matter replaced (or added); the body is kept byte for byte."""
    block = f"---\n{yaml_text.rstrip()}\n---\n"
    match = _FRONT_MATTER.match(readme)
    return block + (readme[match.end():] if match else readme)


def counts_block_name(version: str) -> str:
    """The name of the generated counts block of ``version`` in CHANGELOG.md."""
    return f"counts-{version}"


def changelog_counts(manifest: Mapping[str, Any]) -> str:
    """The generated counts of one version for CHANGELOG.md (the inside of its marked block)."""
    lines = ["", "| config | train | validation | test |", "|---|---:|---:|---:|"]
    for name, config in manifest["configs"].items():
        lines.append(f"| {name} | " + " | ".join(str(config["splits"].get(s, {}).get("rows", 0)) for s in SPLITS) + " |")
    left = manifest["left_out"]
    lines += ["", f"Left out: {len(left['unhydrated_external'])} external article(s) without redistributable text, "
              f"{len(left['without_gold'])} article(s) without gold annotations.", ""]
    return "\n".join(lines)


def with_changelog_counts(changelog: str, manifest: Mapping[str, Any]) -> str:
    """``changelog`` with the current version's counts block replaced, or a new version section added on top.

    Blocks of earlier versions are left as they were: they record what those versions shipped.
    """
    version = manifest["version"]
    name = counts_block_name(version)
    block = changelog_counts(manifest)
    begin, end = markers(name, RELEASE_COMMAND)
    if begin in changelog and end in changelog:
        return replace_block(changelog, name, RELEASE_COMMAND, block)
    if not changelog.strip():
        changelog = "# Changelog\n\nEach version's counts are generated from corpus/release/manifest.json by `communique release`.\n"
    title, _, body = changelog.partition("\n## ")
    section = f"## {version}\n\n{begin}\n{block}\n{end}\n"
    return f"{title.rstrip()}\n\n{section}" + (f"\n## {body}" if body else "")


# ------------------------------------------------------------------------------ croissant


CROISSANT_CONTEXT: dict[str, Any] = {
    "@language": "en", "@vocab": "https://schema.org/", "arrayShape": "cr:arrayShape", "citeAs": "cr:citeAs", "column": "cr:column",
    "conformsTo": "dct:conformsTo", "containedIn": "cr:containedIn", "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"}, "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field",
    "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet", "format": "cr:format",
    "includes": "cr:includes", "isArray": "cr:isArray", "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath",
    "key": "cr:key", "md5": "cr:md5", "name": {"@container": "@language"}, "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated",
    "replace": "cr:replace", "samplingRate": "cr:samplingRate", "sc": "https://schema.org/", "separator": "cr:separator",
    "source": "cr:source", "subField": "cr:subField", "transform": "cr:transform",
}
SPLIT_REGEX = r"^(?:.*/)?(train|validation|test)(?:\.jsonl)?$"
SPLIT_URLS = {"train": "cr:TrainingSplit", "validation": "cr:ValidationSplit", "test": "cr:TestSplit"}


def _croissant_type(feature: Any) -> str:
    from datasets import ClassLabel, Value

    if isinstance(feature, ClassLabel):
        return "sc:Text"
    if isinstance(feature, Value):
        return {"string": "sc:Text", "date32": "sc:Date", "int32": "sc:Integer", "int64": "sc:Integer", "bool": "sc:Boolean"}[feature.dtype]
    raise TypeError(f"no Croissant type for {feature!r}")


def _croissant_fields(features: Mapping[str, Any], parent_id: str, file_set: str, column: str | None = None, path: str = "$") -> list[dict[str, Any]]:
    """Croissant fields mirroring ``datasets`` features: lists become ``isArray``, structs ``subField``.

    Top-level fields read their JSONL column; sub-fields read their top-level column through a
    ``jsonPath`` transform. mlcroissant cannot rebuild a list nested in a list of structs, so such
    fields (mention and evidence spans inside actors and stances) are described by the dataset card
    only.
    """
    from datasets import List

    fields = []
    for name, feature in features.items():
        field_id = f"{parent_id}/{name}"
        inner = feature
        is_array = isinstance(inner, List)
        if is_array:
            inner = inner.feature
        if column is not None and is_array:
            continue
        field_column = column or name
        field_path = f"{path}.{name}" if column is not None else "$"
        field: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": name}
        if is_array:
            field["isArray"] = True
        if isinstance(inner, dict):
            field["subField"] = _croissant_fields(inner, field_id, file_set, field_column, f"{field_path}[*]" if is_array else field_path)
        else:
            field["dataType"] = _croissant_type(inner)
            field["source"] = {"fileSet": {"@id": file_set}, "extract": {"column": field_column}}
            if column is not None:
                field["source"]["transform"] = {"jsonPath": field_path}
        fields.append(field)
    return fields


def croissant(taxonomy: Taxonomy, manifest: Mapping[str, Any], hashes: Mapping[str, str]) -> dict[str, Any]:
    """The Croissant 1.1 description of the release in ``out``: one FileObject (with sha256) per data
    file, one FileSet and one record set per config, and a ``splits`` record set."""
    distribution: list[dict[str, Any]] = []
    record_sets: list[dict[str, Any]] = [{
        "@type": "cr:RecordSet", "@id": "splits", "name": "splits", "dataType": "cr:Split", "key": {"@id": "splits/name"},
        "field": [{"@type": "cr:Field", "@id": "splits/name", "name": "name", "dataType": "sc:Text"},
                  {"@type": "cr:Field", "@id": "splits/url", "name": "url", "dataType": "sc:URL"}],
        "data": [{"splits/name": s, "splits/url": SPLIT_URLS[s]} for s in SPLITS],
    }]
    for spec in config_specs():
        splits = manifest["configs"][spec.name]["splits"]
        if not splits:
            continue
        for split, info in splits.items():
            distribution.append({"@type": "cr:FileObject", "@id": info["file"], "name": info["file"], "contentUrl": info["file"],
                                 "encodingFormat": "application/jsonlines", "sha256": hashes[info["file"]]})
        file_set = f"files-{spec.name}"
        distribution.append({"@type": "cr:FileSet", "@id": file_set, "name": file_set, "encodingFormat": "application/jsonlines",
                             "includes": f"data/{spec.name}/*.{DATA_FORMAT}"})
        split_field = {"@type": "cr:Field", "@id": f"{spec.name}/split", "name": "split", "dataType": "sc:Text",
                       "source": {"fileSet": {"@id": file_set}, "extract": {"fileProperty": "fullpath"}, "transform": {"regex": SPLIT_REGEX}},
                       "references": {"field": {"@id": "splits/name"}}}
        record_sets.append({"@type": "cr:RecordSet", "@id": spec.name, "name": spec.name,
                            "description": f"The `{spec.name}` config ({spec.kind} rows, {spec.scheme} splits).",
                            "field": [split_field, *_croissant_fields(features_for(spec.kind, taxonomy), spec.name, file_set)]})
    return {
        "@context": CROISSANT_CONTEXT, "@type": "sc:Dataset", "conformsTo": "http://mlcommons.org/croissant/1.1",
        "name": "communique", "description": "Communiqué: English international-relations news annotated for topics, actors and stance.",
        "license": "https://creativecommons.org/licenses/by/4.0/", "url": "https://huggingface.co/datasets/communique/communique",
        "version": manifest["version"], "citeAs": "Communiqué corpus, version " + manifest["version"],
        "distribution": distribution, "recordSet": record_sets,
    }


# ------------------------------------------------------------------------------ the run


def read_card_source(layout: Layout) -> dict[str, Any] | str:
    """corpus/card.json, or a ``file: json-path: message`` error."""
    file = layout.relative(layout.card_source)
    data = read_json(layout.card_source)
    if isinstance(data, ReadFailure):
        return f"{file}: $: {data.message}"
    if not isinstance(data, dict):
        return f"{file}: $: expected an object of dataset card fields"
    allowed = {"pretty_name", "license", "language", "task_categories", "task_ids", "annotations_creators",
               "language_creators", "multilinguality", "source_datasets", "paperswithcode_id", "tags"}
    for key in data:
        if key not in allowed:
            return f"{file}: $.{key}: unknown card field; allowed: {', '.join(sorted(allowed))} (size_categories is computed)"
    return data


def build(layout: Layout, out_release: Path, include_hydrated: bool = False) -> tuple[dict[str, Any], str, str] | list[str]:
    """Build the release into the empty folder ``out_release``; returns (manifest, README text, CHANGELOG text)
    or the list of errors (nothing of the repository is written either way).

    The rows are made in the workers of the corpus pass that validates the tree, and written as
    they arrive, so memory holds one record per article, never the corpus or the release.
    """
    card_source = read_card_source(layout)
    if isinstance(card_source, str):
        return [card_source]
    documents: dict[str, Any] = {}
    errors: list[str] = []
    for scheme in SCHEMES:
        document = read_split_file(layout, scheme)
        if document is None:
            errors.append(f"{layout.relative(layout.splits / f'{scheme}.json')}: $: split file missing; run `communique split`")
        elif isinstance(document, SplitProblem):
            errors.append(str(document))
        else:
            documents[scheme] = document
    if errors:
        return errors
    taxonomy = load_taxonomy(layout.taxonomy)
    work = partial(_rows_of_unit, include_hydrated=include_hydrated)
    files = DataFiles(out_release, documents)
    try:
        passed = scan(layout, work, validate="changed", consume=lambda _, rows: files.add(rows))
    finally:
        hashes = files.close()
    if not passed.report.ok:
        return [render(passed.report), "the corpus does not validate"]
    if passed.failures:
        raise RuntimeError("building rows failed although the corpus validated:\n" + "\n".join(passed.failures))
    version = (layout.corpus / "VERSION").read_text(encoding="utf-8").strip()
    index = CorpusIndex(layout, version, taxonomy, {record.id: record for record, _ in sorted(files.records, key=lambda item: item[0].id)})
    problems = documents_problems(index, documents)
    if problems:
        return [*map(str, problems), "the split check failed; fix the splits (`communique split`) before releasing"]
    manifest = finish_release(files, hashes, version, taxonomy, documents, include_hydrated)
    prefix = layout.relative(layout.release)
    readme_path, changelog_path = layout.root / "README.md", layout.root / "CHANGELOG.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else "# Communiqué\n"
    changelog = changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else ""
    return manifest, with_front_matter(readme, card_yaml(taxonomy, manifest, card_source, prefix)), with_changelog_counts(changelog, manifest)


def differing_files(built: Path, committed: Path) -> list[str]:
    """Relative paths present in only one of two folders or whose bytes differ."""
    def files(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()

    ours, theirs = files(built), files(committed)
    return sorted((ours ^ theirs) | {f for f in ours & theirs if not filecmp.cmp(built / f, committed / f, shallow=False)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="communique release",
        description="Build corpus/release/ (JSONL configs, manifest.json, croissant.json), the dataset card (README.md front "
        "matter) and the version's counts in CHANGELOG.md from gold annotations and committed splits; or check them.",
    )
    parser.add_argument("--check", action="store_true", help="rebuild in a temporary folder and compare with the committed release; exit 1 if stale")
    parser.add_argument("--include-hydrated", type=Path, metavar="OUT", help="private build with hydrated external texts into OUT (never the committed release)")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    if args.include_hydrated is not None:
        out = args.include_hydrated.resolve()
        if out == layout.release.resolve() or layout.release.resolve() in out.parents:
            print(f"{args.include_hydrated}: $: a hydrated build must go outside {layout.relative(layout.release)}", file=sys.stderr)
            return 1
        try:
            with replacing_directory(out) as building:
                result = build(layout, building, include_hydrated=True)
                if isinstance(result, list):
                    raise _BuildFailed(result)
        except _BuildFailed as failure:
            print("\n".join(failure.errors) + "\nnothing was written", file=sys.stderr)
            return 1
        print(f"wrote a private release with hydrated texts to {out}; do not publish it")
        return 0
    if args.check:
        with tempfile.TemporaryDirectory(prefix="communique-release-check-") as scratch:
            out = Path(scratch) / "release"
            out.mkdir()
            result = build(layout, out)
            if isinstance(result, list):
                print("\n".join(result), file=sys.stderr)
                return 1
            _, readme, changelog = result
            stale = [f"{layout.relative(layout.release)}/{f}" for f in differing_files(out, layout.release)]
        for name, expected in (("README.md", readme), ("CHANGELOG.md", changelog)):
            path = layout.root / name
            if not path.exists() or path.read_text(encoding="utf-8") != expected:
                stale.append(name)
        if stale:
            print("the committed release is not what the sources build; differing files:\n  " + "\n  ".join(stale)
                  + "\nrun `communique release` to rebuild", file=sys.stderr)
            return 1
        print("release OK: the committed release is what the sources build")
        return 0
    try:
        with replacing_directory(layout.release) as building:
            result = build(layout, building)
            if isinstance(result, list):
                raise _BuildFailed(result)
    except _BuildFailed as failure:
        print("\n".join(failure.errors) + "\nnothing was written", file=sys.stderr)
        return 1
    manifest, readme, changelog = result
    write_text(layout.root / "README.md", readme)
    write_text(layout.root / "CHANGELOG.md", changelog)
    for name, config in manifest["configs"].items():
        print(f"{name}: " + ", ".join(f"{s} {config['splits'].get(s, {}).get('rows', 0)}" for s in SPLITS))
    print(f"left out: {len(manifest['left_out']['unhydrated_external'])} unhydrated external, {len(manifest['left_out']['without_gold'])} without gold")
    print(f"wrote {layout.relative(layout.release)}/, README.md front matter and CHANGELOG.md counts for version {manifest['version']}")
    return 0


class _BuildFailed(Exception):
    """Raised inside ``replacing_directory`` so a failed build leaves the old release in place."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors
