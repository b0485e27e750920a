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
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from communique.corpus import Corpus, CorpusInvalid, load_corpus
from communique.jsonio import ReadFailure, dumps_line, read_json, replacing_directory, write_json, write_text
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.markers import markers, replace_block
from communique.splits import SCHEMES, SPLITS, SplitProblem, article_splits, committed_text, leakage_problems, read_split_file
from communique.taxonomy import Taxonomy

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
            "id": Value("string"), "article_id": Value("string"), "text": Value("string"),
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


def article_row(article: Mapping[str, Any], text: str, gold: Mapping[str, Any], corpus: Corpus) -> dict[str, Any]:
    """The ``articles`` row: metadata, text and every gold layer nested."""
    source = article["source"]
    return {
        "id": article["id"], "title": article["title"], "published": article["published"], "dateline": article["dateline"],
        "language": article["language"], "genre": article["genre"], "event": article["event"], "text": text,
        "text_sha256": article["text_sha256"], "added_in": article["added_in"],
        "source": {"kind": source["kind"], "license": source["license"], "outlet": source.get("outlet"), "url": source.get("url"),
                   "references": [_reference_row(r) for r in source.get("references", [])]},
        "topics": {"primary": gold["topics"]["primary"], "labels": list(gold["topics"]["labels"])},
        "actors": [{"actor": a["actor"], "name": corpus.registry.name(a["actor"]), "type": corpus.registry.type(a["actor"]),
                    "salience": a["salience"], "mentions": [_span(m) for m in a["mentions"]]} for a in gold["actors"]],
        "stances": [_stance_row(s, corpus.taxonomy) for s in gold["stances"]],
        "adjudication": {"method": gold["adjudication"]["method"], "sources": list(gold["adjudication"].get("sources", []))},
    }


def topic_row(article: Mapping[str, Any], text: str, gold: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": article["id"], "title": article["title"], "text": text, "labels": list(gold["topics"]["labels"]), "primary": gold["topics"]["primary"]}


def _who(corpus: Corpus, actor: str) -> tuple[str, str]:
    if actor == AUTHOR:
        return AUTHOR_NAME, AUTHOR_TYPE
    return corpus.registry.name(actor), corpus.registry.type(actor)


def stance_rows(article: Mapping[str, Any], text: str, gold: Mapping[str, Any], corpus: Corpus) -> list[dict[str, Any]]:
    """One row per gold dyad, in annotation order; ``id`` is ``<article>:<index>``."""
    rows = []
    for index, stance in enumerate(gold["stances"]):
        source_name, source_type = _who(corpus, stance["source"])
        target_name, target_type = _who(corpus, stance["target"])
        row = _stance_row(stance, corpus.taxonomy)
        rows.append({
            "id": f"{article['id']}:{index}", "article_id": article["id"], "text": text,
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


def rows_for(kind: str, corpus: Corpus, article_ids: Iterable[str], text_of: Callable[[Mapping[str, Any]], str | None]) -> Iterator[dict[str, Any]]:
    """The rows of one config kind for ``article_ids`` (sorted), skipping articles without gold or text."""
    for article_id in article_ids:
        article = corpus.articles[article_id]
        if kind == "annotations":
            for annotation in corpus.raw_annotations(article_id).values():
                yield annotation_row(annotation, corpus.taxonomy)
            continue
        gold = corpus.gold(article_id)
        text = text_of(article)
        if gold is None or text is None:
            continue
        if kind == "articles":
            yield article_row(article, text, gold, corpus)
        elif kind == "topics":
            yield topic_row(article, text, gold)
        elif kind == "stance":
            yield from stance_rows(article, text, gold, corpus)
        else:
            yield actor_row(article, text, gold)


# ----------------------------------------------------------------------------- building


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_release(corpus: Corpus, split_documents: Mapping[str, Mapping[str, Any]], out: Path, include_hydrated: bool = False) -> dict[str, Any]:
    """Write every data file, ``croissant.json`` and ``manifest.json`` into the empty folder ``out``.

    Returns the manifest. Rows are streamed to disk, so memory does not grow with the release.
    """
    def text_of(article: Mapping[str, Any]) -> str | None:
        return article.get("text") if include_hydrated else committed_text(article)

    placements = {scheme: article_splits(corpus, document) for scheme, document in split_documents.items()}
    specs = config_specs()
    ids = corpus.ids()
    written: dict[str, dict[str, int]] = {spec.name: {} for spec in specs}
    hashes: dict[str, str] = {}
    for kind in dict.fromkeys(spec.kind for spec in specs):
        # A row does not depend on the scheme: serialise it once and append it to the file of its
        # split in every scheme's config of this kind. Files keep article-id order.
        targets = [spec for spec in specs if spec.kind == kind]
        streams, digests = {}, {}
        try:
            for spec in targets:
                for split in SPLITS:
                    relative = f"data/{spec.name}/{split}.{DATA_FORMAT}"
                    path = out / relative
                    path.parent.mkdir(parents=True, exist_ok=True)
                    streams[spec.name, split] = path.open("wb", buffering=1 << 20)
                    digests[spec.name, split] = hashlib.sha256()
                    written[spec.name][split] = 0
            for article_id in ids:
                destinations = [(spec.name, split) for spec in targets if (split := placements[spec.scheme].get(article_id)) in SPLITS]
                if not destinations:
                    continue
                lines = [dumps_line(row).encode("utf-8") for row in rows_for(kind, corpus, (article_id,), text_of)]
                if not lines:
                    continue
                block = b"".join(lines)
                for destination in destinations:
                    streams[destination].write(block)
                    digests[destination].update(block)
                    written[destination[0]][destination[1]] += len(lines)
        finally:
            for stream in streams.values():
                stream.close()
        for spec in targets:
            for split in SPLITS:
                relative = f"data/{spec.name}/{split}.{DATA_FORMAT}"
                if written[spec.name][split] == 0:
                    (out / relative).unlink()
                else:
                    hashes[relative] = digests[spec.name, split].hexdigest()
    configs: dict[str, Any] = {}
    for spec in specs:
        splits = {split: {"file": f"data/{spec.name}/{split}.{DATA_FORMAT}", "rows": rows}
                  for split, rows in written[spec.name].items() if rows}
        configs[spec.name] = {"kind": spec.kind, "scheme": spec.scheme, "splits": splits}
    left_out = {
        "unhydrated_external": sorted(a for a, art in corpus.articles.items() if corpus.gold(a) and text_of(art) is None),
        "without_gold": sorted(a for a in corpus.articles if corpus.gold(a) is None),
        "unassigned": sorted(a for a in corpus.articles if any(a not in placed for placed in placements.values())),
    }
    manifest: dict[str, Any] = {
        "name": "communique",
        "version": corpus.version,
        "format": DATA_FORMAT,
        "include_hydrated": include_hydrated,
        "default_config": config_specs()[0].name,
        "configs": configs,
        "left_out": left_out,
        "left_out_note": "external articles are not redistributed: they are left out of text-bearing configs unless a "
        "private build is made with --include-hydrated; articles without gold annotations are not released yet",
        "splits": {scheme: {"seed": d["seed"], **({"cutoffs": d["cutoffs"]} if "cutoffs" in d else {})} for scheme, d in split_documents.items()},
    }
    write_json(out / "croissant.json", croissant(corpus, manifest, hashes))
    hashes["croissant.json"] = _sha256_file(out / "croissant.json")
    manifest["files"] = dict(sorted(hashes.items()))
    write_json(out / "manifest.json", manifest)
    return manifest


def size_category(count: int) -> str:
    """The Hub's size category for ``count`` examples."""
    return next(name for limit, name in SIZE_CATEGORIES if count < limit)


# ---------------------------------------------------------------------------------- card


def card_yaml(corpus: Corpus, manifest: Mapping[str, Any], card_source: Mapping[str, Any], release_prefix: str) -> str:
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
        infos[spec.name] = DatasetInfo(features=features_for(spec.kind, corpus.taxonomy), config_name=spec.name)
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


def croissant(corpus: Corpus, manifest: Mapping[str, Any], hashes: Mapping[str, str]) -> dict[str, Any]:
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
                            "field": [split_field, *_croissant_fields(features_for(spec.kind, corpus.taxonomy), spec.name, file_set)]})
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
    or the list of errors (nothing of the repository is written either way)."""
    try:
        corpus = load_corpus(layout)
    except CorpusInvalid as error:
        return [str(error), "the corpus does not validate"]
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
    problems = leakage_problems(corpus)
    if problems:
        return [*map(str, problems), "the split check failed; fix the splits (`communique split`) before releasing"]
    manifest = write_release(corpus, documents, out_release, include_hydrated)
    prefix = layout.relative(layout.release)
    readme_path, changelog_path = layout.root / "README.md", layout.root / "CHANGELOG.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else "# Communiqué\n"
    changelog = changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else ""
    return manifest, with_front_matter(readme, card_yaml(corpus, manifest, card_source, prefix)), with_changelog_counts(changelog, manifest)


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
