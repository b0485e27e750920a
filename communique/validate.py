"""The corpus validator: schema conformance plus every invariant no schema can express.

Each problem carries a stable kebab-case id and a level. ``error`` fails the run, ``warning``
and ``info`` are reported only. Every problem in the tree is reported in one run as
``file: json-path: message [id]``; the validator never writes anything.

Work is split by article: one unit reads an article and every annotation of it, so memory stays
flat in the size of the corpus and units run on all cores. The same pass (:func:`scan`) serves
every command that reads the whole corpus: each file is read once, validated when needed, and
handed to the command's per-unit function in the worker.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import multiprocessing
import os
import re
import sys
import unicodedata
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple

from communique import cache
from communique.jsonio import ReadFailure, parse_json_bytes, read_bytes, read_json
from communique.layout import DEFAULT_LAYOUT, GOLD, Layout
from communique.registry import ActorRegistry
from communique.schemas import SchemaSet, load_schemas
from communique.taxonomy import Taxonomy, load_taxonomy
from communique.text import is_canonical, sha256_text

ERROR, WARNING, INFO = "error", "warning", "info"
AUTHOR = "@author"
PARALLEL_THRESHOLD = 400
BATCH = 4096
CHUNK = 128
WINDOW_PER_WORKER = 4
VALIDATED_UNITS = "validated-units.json"

PROBLEM_LEVELS: dict[str, str] = {
    "file-empty": ERROR,
    "file-too-large": ERROR,
    "file-unreadable": ERROR,
    "json-bom": ERROR,
    "json-invalid": ERROR,
    "encoding-invalid": ERROR,
    "file-misplaced": ERROR,
    "schema-violation": ERROR,
    "id-filename-mismatch": ERROR,
    "id-duplicate": ERROR,
    "text-not-nfc": ERROR,
    "text-crlf": ERROR,
    "text-hash-mismatch": ERROR,
    "text-length-mismatch": ERROR,
    "text-missing": ERROR,
    "external-has-text": ERROR,
    "external-unhydrated": INFO,
    "hydrated-hash-mismatch": ERROR,
    "added-in-future": ERROR,
    "annotation-article-missing": ERROR,
    "annotation-path-mismatch": ERROR,
    "annotation-stale": ERROR,
    "gold-provenance-missing": ERROR,
    "actor-unknown": ERROR,
    "actor-listed-twice": ERROR,
    "topic-primary-not-in-labels": ERROR,
    "span-out-of-range": ERROR,
    "span-reversed": ERROR,
    "mention-text-mismatch": ERROR,
    "evidence-text-mismatch": ERROR,
    "mention-overlap": ERROR,
    "stance-self": ERROR,
    "stance-participant-not-annotated": ERROR,
    "stance-duplicate-pair": ERROR,
    "event-type-quad-mismatch": ERROR,
    "author-stance-in-news": WARNING,
    "registry-actor-duplicate": ERROR,
    "registry-reference-unknown": ERROR,
    "registry-cycle": ERROR,
    "registry-id-form": ERROR,
    "registry-alias-shared": WARNING,
}


@dataclass(frozen=True, order=True)
class Problem:
    """One finding: the file, the JSON path inside it, a stable id and a message."""

    file: str
    json_path: str
    problem: str
    message: str

    @property
    def level(self) -> str:
        return PROBLEM_LEVELS[self.problem]

    def __str__(self) -> str:
        return f"{self.file}: {self.json_path}: {self.level}: {self.message} [{self.problem}]"


@dataclass
class Report:
    """The outcome of a validation run."""

    problems: list[Problem] = field(default_factory=list)
    articles: int = 0
    annotations: int = 0
    owners: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors


def _kebab(keyword: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", keyword).lower()


def schema_problems(schemas: SchemaSet, kind: str, document: Any, file: str) -> list[Problem]:
    """Schema violations of ``document`` as problems; the keyword that failed is named in the message."""
    return [
        Problem(file, error.json_path, "schema-violation", f"{error.message} (schema keyword {_kebab(error.keyword)})")
        for error in schemas.errors(kind, document)
    ]


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


# ----------------------------------------------------------------------------- articles


def check_article(
    article: dict[str, Any], file: str, expected_id: str, corpus_version: str, hydrated: str | None
) -> tuple[list[Problem], str | None]:
    """Semantic checks of a schema-valid article; returns problems and the text offsets refer to."""
    problems: list[Problem] = []
    if article["id"] != expected_id:
        problems.append(
            Problem(file, "$.id", "id-filename-mismatch", f"id {article['id']!r} differs from the file name {expected_id!r}.json")
        )
    if _version_tuple(article["added_in"]) > _version_tuple(corpus_version):
        problems.append(
            Problem(file, "$.added_in", "added-in-future", f"added_in {article['added_in']} is later than the corpus version {corpus_version}; a change that adds articles bumps corpus/VERSION to it")
        )
    kind = article["source"]["kind"]
    text = article.get("text")
    if kind == "external" and text is not None:
        problems.append(Problem(file, "$.text", "external-has-text", "an external article must not carry its text; keep only text_sha256 and text_length"))
    if kind == "original" and text is None:
        problems.append(Problem(file, "$", "text-missing", "an original article must carry its text"))
    if text is None and kind == "external":
        if hydrated is None:
            problems.append(
                Problem(file, "$", "external-unhydrated", "external article without text: offsets not checked (run `communique hydrate` with your copy)")
            )
            return problems, None
        if sha256_text(hydrated) != article["text_sha256"]:
            problems.append(Problem(file, "$.text_sha256", "hydrated-hash-mismatch", "the hydrated copy's hash differs from text_sha256; hydrate again from a correct copy"))
            return problems, None
        text = hydrated
    if text is None:
        return problems, None
    if "\r" in text:
        problems.append(Problem(file, "$.text", "text-crlf", "text contains carriage returns; line ends must be \\n"))
    if not unicodedata.is_normalized("NFC", text):
        problems.append(Problem(file, "$.text", "text-not-nfc", "text is not NFC-normalised; offsets would be ambiguous"))
    if len(text) != article["text_length"]:
        problems.append(
            Problem(file, "$.text_length", "text-length-mismatch", f"text_length is {article['text_length']} but the text has {len(text)} code points")
        )
    actual = sha256_text(text)
    if actual != article["text_sha256"]:
        problems.append(Problem(file, "$.text_sha256", "text-hash-mismatch", f"text_sha256 does not match the text (sha256 of the text is {actual})"))
    return problems, (text if is_canonical(text) else None)


# -------------------------------------------------------------------------- annotations


def _check_spans(
    spans: list[dict[str, Any]], base: str, text: str | None, file: str, mismatch_id: str, what: str
) -> list[Problem]:
    problems = []
    for index, span in enumerate(spans):
        path = f"{base}[{index}]"
        start, end = span["start"], span["end"]
        if start >= end:
            problems.append(Problem(file, path, "span-reversed", f"{what} span [{start}, {end}) is empty or reversed"))
            continue
        if text is None:
            continue
        if end > len(text):
            problems.append(Problem(file, path, "span-out-of-range", f"{what} span [{start}, {end}) ends past the text ({len(text)} code points)"))
            continue
        if text[start:end] != span["text"]:
            problems.append(
                Problem(file, f"{path}.text", mismatch_id, f"{what} text {span['text']!r} differs from the article text at [{start}, {end}): {text[start:end]!r}")
            )
    return problems


def check_annotation(
    annotation: dict[str, Any],
    file: str,
    expected_article: str,
    expected_annotator: str,
    article: dict[str, Any] | None,
    text: str | None,
    registry: ActorRegistry,
    taxonomy: Taxonomy,
) -> list[Problem]:
    """Semantic checks of one schema-valid annotation against its article and the registry."""
    problems: list[Problem] = []
    if annotation["article_id"] != expected_article or annotation["annotator"] != expected_annotator:
        problems.append(
            Problem(
                file,
                "$",
                "annotation-path-mismatch",
                f"file must be annotations/{annotation['article_id']}/{annotation['annotator']}.json for article_id {annotation['article_id']!r} and annotator {annotation['annotator']!r}",
            )
        )
    if annotation["annotator"] == GOLD and "adjudication" not in annotation:
        problems.append(Problem(file, "$", "gold-provenance-missing", "a gold annotation must record its adjudication (run `communique adjudicate`)"))
    if article is None:
        problems.append(Problem(file, "$.article_id", "annotation-article-missing", f"no article {annotation['article_id']!r} in corpus/articles"))
    elif annotation["text_sha256"] != article["text_sha256"]:
        problems.append(
            Problem(file, "$.text_sha256", "annotation-stale", "annotation is stale: the article text changed since it was annotated; re-annotate or re-anchor it")
        )
        text = None
    topics = annotation["topics"]
    if topics["primary"] not in topics["labels"]:
        problems.append(Problem(file, "$.topics.primary", "topic-primary-not-in-labels", f"primary topic {topics['primary']!r} is not among the labels"))

    annotated: set[str] = set()
    occupied: list[tuple[int, int, str]] = []
    for index, entry in enumerate(annotation["actors"]):
        path = f"$.actors[{index}]"
        actor = entry["actor"]
        if actor not in registry:
            problems.append(Problem(file, f"{path}.actor", "actor-unknown", f"actor {actor!r} is not in corpus/actors.json"))
        if actor in annotated:
            problems.append(Problem(file, f"{path}.actor", "actor-listed-twice", f"actor {actor!r} is listed more than once; merge its mentions"))
        annotated.add(actor)
        problems += _check_spans(entry["mentions"], f"{path}.mentions", text, file, "mention-text-mismatch", "mention")
        occupied += [(m["start"], m["end"], f"{path}.mentions[{i}]") for i, m in enumerate(entry["mentions"])]
    occupied.sort()
    for (start_a, end_a, path_a), (start_b, end_b, path_b) in zip(occupied, occupied[1:]):
        if start_b < end_a:
            problems.append(Problem(file, path_b, "mention-overlap", f"mention [{start_b}, {end_b}) overlaps {path_a} [{start_a}, {end_a})"))

    pairs: dict[tuple[str, str], int] = {}
    for index, stance in enumerate(annotation["stances"]):
        path = f"$.stances[{index}]"
        source, target = stance["source"], stance["target"]
        if source == target:
            problems.append(Problem(file, path, "stance-self", f"source and target are both {source!r}"))
        for role, actor in (("source", source), ("target", target)):
            if actor == AUTHOR:
                continue
            if actor not in registry:
                problems.append(Problem(file, f"{path}.{role}", "actor-unknown", f"actor {actor!r} is not in corpus/actors.json"))
            elif actor not in annotated:
                problems.append(
                    Problem(file, f"{path}.{role}", "stance-participant-not-annotated", f"{role} {actor!r} is not among the annotated actors")
                )
        if (source, target) in pairs:
            problems.append(
                Problem(file, path, "stance-duplicate-pair", f"pair {source} -> {target} is already annotated at $.stances[{pairs[(source, target)]}]; keep one stance per ordered pair")
            )
        pairs.setdefault((source, target), index)
        if "event_type" in stance:
            expected = taxonomy.quad_class(stance["label"], stance["mode"])
            actual = taxonomy.event_quad_class[stance["event_type"]]
            if expected != actual:
                problems.append(
                    Problem(
                        file,
                        f"{path}.event_type",
                        "event-type-quad-mismatch",
                        f"event_type {stance['event_type']} is {actual.replace('_', ' ')}, but label {stance['label']!r} with mode {stance['mode']!r} is {expected.replace('_', ' ')}",
                    )
                )
        if source == AUTHOR and article is not None and article["genre"] in ("news", "brief"):
            problems.append(Problem(file, f"{path}.source", "author-stance-in-news", f"@author stance in a {article['genre']} article; the guidelines keep the author's voice to analysis and opinion"))
        problems += _check_spans(stance["evidence"], f"{path}.evidence", text, file, "evidence-text-mismatch", "evidence")
    return problems


# ------------------------------------------------------------------------------ registry


def check_registry(data: Any, file: str, schemas: SchemaSet) -> list[Problem]:
    """Schema and reference checks of the actor registry."""
    problems = schema_problems(schemas, "actors", data, file)
    if problems:
        return problems
    seen: dict[str, int] = {}
    for index, entry in enumerate(data["actors"]):
        if entry["id"] in seen:
            problems.append(Problem(file, f"$.actors[{index}].id", "registry-actor-duplicate", f"actor id {entry['id']!r} already used at $.actors[{seen[entry['id']]}]"))
        seen.setdefault(entry["id"], index)
    registry = ActorRegistry.from_data(data)
    for index, entry in enumerate(data["actors"]):
        path = f"$.actors[{index}]"
        for key in ("parent", "affiliation"):
            if key in entry and entry[key] not in registry:
                problems.append(Problem(file, f"{path}.{key}", "registry-reference-unknown", f"{key} {entry[key]!r} is not a registry actor"))
        for member_index, member in enumerate(entry.get("members", [])):
            if member not in registry:
                problems.append(Problem(file, f"{path}.members[{member_index}]", "registry-reference-unknown", f"member {member!r} is not a registry actor"))
        problems += _id_form_problems(entry, path, file)
        cycle = registry.cycle_from(entry["id"])
        if cycle and cycle[0] == min(cycle[:-1]):
            problems.append(Problem(file, path, "registry-cycle", "parent/affiliation chain loops: " + " -> ".join(cycle)))
    for form, owners in registry.shared_aliases().items():
        problems.append(Problem(file, "$.actors", "registry-alias-shared", f"alias {form!r} belongs to {', '.join(owners)}; the gazetteer ignores it"))
    return problems


def _id_form_problems(entry: dict[str, Any], path: str, file: str) -> list[Problem]:
    actor_id, kind = entry["id"], entry["type"]
    wrong = None
    if kind == "state" and not (re.fullmatch(r"[A-Z]{3}", actor_id) and entry.get("iso3") == actor_id):
        wrong = "a state's id is its ISO 3166-1 alpha-3 code, equal to its iso3 field"
    elif kind == "agency" and not (
        re.fullmatch(r"[A-Z]{3}\.[a-z0-9]+(?:-[a-z0-9]+)*", actor_id) and entry.get("parent") == actor_id[:3]
    ):
        wrong = "an agency's id is STATE.slug with parent equal to STATE"
    elif kind == "igo" and not re.fullmatch(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*", actor_id):
        wrong = "an intergovernmental organisation's id is its acronym in capitals"
    elif kind in ("person", "organization", "group") and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", actor_id):
        wrong = f"a {kind}'s id is a lower-case slug"
    elif kind == "person" and "affiliation" not in entry:
        wrong = "a person needs an affiliation"
    return [Problem(file, f"{path}.id", "registry-id-form", f"id {actor_id!r}: {wrong}")] if wrong else []


# ------------------------------------------------------------------------------ the run


@dataclass(frozen=True)
class UnitContext:
    """What every article unit needs, loaded once per process."""

    layout: Layout
    registry: ActorRegistry
    taxonomy: Taxonomy
    schemas: SchemaSet
    corpus_version: str


def _read(path: Path, file: str) -> tuple[Any, list[Problem]]:
    data = read_json(path)
    if isinstance(data, ReadFailure):
        return None, [Problem(file, "$", data.problem, data.message)]
    return data, []


@dataclass
class UnitFiles:
    """One article unit as read from disk, once: parsed documents and a digest of every name and byte.

    ``article`` and each annotation are the parsed document, a :class:`ReadFailure`, or None when
    absent. ``hydrated`` is the local copy of an external article's text, read only when the article
    carries none. ``entries`` lists the annotation folder: (path, parsed document or failure), with
    None for an entry that is no ``<annotator>.json`` file.
    """

    key: str
    article_path: Path | None
    annotation_dir: Path | None
    article: Any = None
    hydrated: str | None = None
    entries: list[tuple[Path, Any]] = field(default_factory=list)
    digest: str = ""

    @property
    def article_id(self) -> str | None:
        """The id the article declares (whatever its validity), for the cross-article duplicate check."""
        return self.article["id"] if isinstance(self.article, dict) and isinstance(self.article.get("id"), str) else None

    @property
    def clean(self) -> bool:
        """Every file present parsed as JSON (the documents may still be invalid)."""
        parsed = [self.article, *(doc for _, doc in self.entries)]
        return not any(isinstance(doc, ReadFailure) for doc in parsed) and all(doc is not None for _, doc in self.entries)

    def annotations(self) -> dict[str, Any]:
        """Annotator name to annotation document, in name order."""
        return {path.stem: doc for path, doc in self.entries if doc is not None}


def _listing(folder: Path) -> dict[str, bool]:
    """Entry name to "is a folder" for every entry of ``folder`` (empty when it is no folder)."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name: entry.is_dir() for entry in entries}
    except (FileNotFoundError, NotADirectoryError):
        return {}


def read_unit(layout: Layout, key: str, article_path: Path | None, annotation_dir: Path | None) -> UnitFiles:
    """Read and parse every file of one unit, digesting names and bytes on the way."""
    unit = UnitFiles(key, article_path, annotation_dir)
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape") + b"\0")

    def take(label: str, path: Path) -> bytes | ReadFailure:
        raw = read_bytes(path)
        digest.update(f"{label}\0{path.name}\0".encode("utf-8", "surrogateescape"))
        digest.update(raw if isinstance(raw, bytes) else repr(raw).encode())
        digest.update(b"\1")
        return raw

    if article_path is not None:
        raw = take("article", article_path)
        unit.article = parse_json_bytes(raw) if isinstance(raw, bytes) else raw
        if isinstance(unit.article, dict) and "text" not in unit.article:
            hydrated_path = layout.hydrated_text(article_path.stem)
            if hydrated_path.is_file():
                raw = take("hydrated", hydrated_path)
                unit.hydrated = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else None
    if annotation_dir is not None:
        for name, is_dir in sorted(_listing(annotation_dir).items()):
            path = annotation_dir / name
            if not name.endswith(".json") or name == ".json" or is_dir:
                digest.update(f"entry\0{name}\0{is_dir}\1".encode("utf-8", "surrogateescape"))
                unit.entries.append((path, None))
                continue
            raw = take("annotation", path)
            unit.entries.append((path, parse_json_bytes(raw) if isinstance(raw, bytes) else raw))
    unit.digest = digest.hexdigest()
    return unit


def check_unit(context: UnitContext, unit: UnitFiles) -> tuple[list[Problem], int]:
    """Check one article and every annotation of it; returns problems and the annotation count."""
    layout = context.layout
    problems: list[Problem] = []
    article: dict[str, Any] | None = None
    text: str | None = None
    if unit.article_path is not None:
        file = layout.relative(unit.article_path)
        if isinstance(unit.article, ReadFailure):
            problems.append(Problem(file, "$", unit.article.problem, unit.article.message))
        else:
            found = schema_problems(context.schemas, "article", unit.article, file)
            problems += found
            if not found:
                article = unit.article
                article_problems, text = check_article(article, file, unit.article_path.stem, context.corpus_version, unit.hydrated)
                problems += article_problems
    count = 0
    for path, data in unit.entries:
        file = layout.relative(path)
        if data is None:
            problems.append(Problem(file, "$", "file-misplaced", "only <annotator>.json files belong in an article's annotation folder"))
            continue
        count += 1
        if isinstance(data, ReadFailure):
            problems.append(Problem(file, "$", data.problem, data.message))
            continue
        found = schema_problems(context.schemas, "annotation", data, file)
        problems += found
        if not found:
            problems += check_annotation(data, file, unit.key, path.stem, article, text, context.registry, context.taxonomy)
    return problems, count


def units(layout: Layout, report: Report) -> Iterator[tuple[str, Path | None, Path | None]]:
    """(key, article file, annotation folder) of every unit, matched by id, in a stable order.

    Only the names are held in memory; misplaced entries are reported on ``report`` and skipped.
    """
    articles, annotations = layout.articles, layout.annotations
    article_entries, folder_entries = _listing(articles), _listing(annotations)
    keys = {name[:-5] if name.endswith(".json") else name for name in article_entries} | set(folder_entries)
    for key in sorted(keys):
        if key in article_entries:
            report.problems.append(Problem(layout.relative(articles / key), "$", "file-misplaced", "only <id>.json files belong in corpus/articles"))
        article_path = None
        if f"{key}.json" in article_entries:
            article_path = articles / f"{key}.json"
            if article_entries[f"{key}.json"]:
                report.problems.append(Problem(layout.relative(article_path), "$", "file-misplaced", "only <id>.json files belong in corpus/articles"))
                article_path = None
        annotation_dir = None
        if key in folder_entries:
            annotation_dir = annotations / key
            if not folder_entries[key]:
                report.problems.append(Problem(layout.relative(annotation_dir), "$", "file-misplaced", "corpus/annotations holds one folder per article id"))
                annotation_dir = None
        if article_path is not None or annotation_dir is not None:
            yield key, article_path, annotation_dir


# ------------------------------------------------------------------------------- the pass


class UnitOutcome(NamedTuple):
    """What one unit sends back from a worker: its digest, problems (None if not validated) and work result.

    A named tuple: it crosses the process boundary a hundred thousand times, and tuples pickle fast.
    """

    key: str
    file: str | None
    digest: str
    article_id: str | None
    annotations: int
    problems: list[Problem] | None
    result: Any = None
    failure: str | None = None


@dataclass(frozen=True)
class _PassContext:
    unit: UnitContext
    work: Callable[[UnitFiles, UnitContext], Any] | None
    validated_clean: Mapping[str, str]
    mode: str


_CONTEXT: _PassContext | None = None


def _init_worker(context: _PassContext) -> None:
    global _CONTEXT
    _CONTEXT = context


def _run_chunk(chunk: list[tuple[str, str | None, str | None]]) -> list[UnitOutcome]:
    """Process consecutive units in a worker (paths travel as strings: they pickle faster)."""
    assert _CONTEXT is not None
    return [_process_unit(_CONTEXT, (key, _path(article), _path(folder))) for key, article, folder in chunk]


def _path(text: str | None) -> Path | None:
    return None if text is None else Path(text)


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _process_unit(context: _PassContext, item: tuple[str, Path | None, Path | None]) -> UnitOutcome:
    key, article_path, annotation_dir = item
    layout = context.unit.layout
    unit = read_unit(layout, key, article_path, annotation_dir)
    problems: list[Problem] | None = None
    count = sum(1 for _, doc in unit.entries if doc is not None)
    if context.mode == "all" or (context.mode == "changed" and context.validated_clean.get(key) != unit.digest):
        problems, count = check_unit(context.unit, unit)
    result = failure = None
    if context.work is not None and unit.clean and not any(p.level == ERROR for p in problems or ()):
        try:
            result = context.work(unit, context.unit)
        except Exception as error:  # an invalid document the validator reports; raised if it does not
            failure = f"{type(error).__name__}: {error}"
    file = layout.relative(article_path) if article_path is not None else None
    return UnitOutcome(key, file, unit.digest, unit.article_id, count, problems, result, failure)


@dataclass
class PassResult:
    """The outcome of :func:`scan`: the validation report and each unit's work result, in unit order."""

    report: Report
    results: list[tuple[str, Any]] = field(default_factory=list)
    validated: int = 0
    failures: list[str] = field(default_factory=list)


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _fork_context():
    """Workers are forked (they inherit the compiled schemas); elsewhere the pass runs in one process."""
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def validation_context_digest(layout: Layout) -> str:
    """sha256 of everything a unit's validity depends on besides its own files."""
    digest = hashlib.sha256(f"{cache.package_digest()}\0".encode())
    folder = layout.schema
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        digest.update(f"schema\0{path.relative_to(folder).as_posix()}\0{path.is_file()}\0".encode("utf-8", "surrogateescape"))
        if path.is_file():
            digest.update(path.read_bytes() + b"\1")
    for path in (layout.actors, layout.corpus / "VERSION"):
        digest.update(f"file\0{path.name}\0{path.is_file()}\0".encode())
        if path.is_file():
            digest.update(path.read_bytes() + b"\1")
    return digest.hexdigest()


def scan(
    layout: Layout,
    work: Callable[[UnitFiles, UnitContext], Any] | None = None,
    validate: str = "all",
    jobs: int | None = None,
    consume: Callable[[str, Any], None] | None = None,
) -> PassResult:
    """One pass over every unit of the tree: read once, validate, and apply ``work`` to each clean unit.

    ``validate`` is ``"all"`` (every unit), ``"none"``, or ``"changed"``: units whose files are byte for byte
    those of the last tree that validated without errors, under the same schemas, registry,
    version and package source, are not checked again (the record is kept in the local cache,
    :mod:`communique.cache`). Cross-unit checks (duplicate ids, misplaced files, the registry) run
    every time. ``work(unit, context)`` runs in the workers (``context`` holds the registry,
    taxonomy and schemas the pass loaded) and only its result comes back, so the caller holds
    no more of the corpus than it asks for; it is skipped for units with errors. Results are
    kept in ``results``, or handed to ``consume`` one by one in unit order (for streaming output).
    """
    if validate not in ("all", "changed", "none"):
        raise ValueError(f"validate must be 'all', 'changed' or 'none', not {validate!r}")
    report = Report()
    taxonomy = load_taxonomy(layout.taxonomy)
    schemas = load_schemas(layout.schema)
    registry_file = layout.relative(layout.actors)
    registry_data, read_problems = _read(layout.actors, registry_file)
    report.problems += read_problems
    if registry_data is not None:
        report.problems += check_registry(registry_data, registry_file, schemas)
    registry = ActorRegistry.from_data(registry_data if isinstance(registry_data, dict) else {})
    version_file = layout.corpus / "VERSION"
    corpus_version = version_file.read_text(encoding="utf-8").strip() if version_file.is_file() else "0.0.0"
    context_digest = validation_context_digest(layout) if validate == "changed" else ""
    clean: dict[str, str] = {}
    if validate == "changed":
        stored = cache.read(layout, VALIDATED_UNITS, context_digest)
        clean = stored if isinstance(stored, dict) else {}
    context = _PassContext(UnitContext(layout, registry, taxonomy, schemas, corpus_version), work, clean, validate)

    outcome = PassResult(report)
    digests: dict[str, str] = {}
    jobs = jobs or (os.cpu_count() or 1)
    items = units(layout, report)
    first = next(_batches(items, PARALLEL_THRESHOLD), [])
    fork = _fork_context()
    if jobs > 1 and fork is not None and len(first) >= PARALLEL_THRESHOLD:
        # Chunks go out through a window a few chunks deep per worker: workers never wait for the
        # main process to hand out work, and results never pile up when the consumer is slower.
        with ProcessPoolExecutor(jobs, mp_context=fork, initializer=_init_worker, initargs=(context,)) as pool:
            window: deque = deque()
            for chunk in _batches(itertools.chain(first, items), CHUNK):
                window.append(pool.submit(_run_chunk, [(key, _text(article), _text(folder)) for key, article, folder in chunk]))
                if len(window) >= WINDOW_PER_WORKER * jobs:
                    _collect(outcome, digests, window.popleft().result(), consume)
            while window:
                _collect(outcome, digests, window.popleft().result(), consume)
    else:
        for batch in itertools.chain([first], _batches(items, BATCH)):
            _collect(outcome, digests, (_process_unit(context, item) for item in batch), consume)
    report.problems.sort()
    if validate == "changed" and report.ok:
        cache.write(layout, VALIDATED_UNITS, context_digest, digests)
    return outcome


def _collect(outcome: PassResult, digests: dict[str, str], results: Iterable[UnitOutcome], consume: Callable[[str, Any], None] | None) -> None:
    report = outcome.report
    owners = report.owners
    for unit in results:
        digests[unit.key] = unit.digest
        report.annotations += unit.annotations
        if unit.problems is not None:
            report.problems += unit.problems
            outcome.validated += 1
        if unit.file is not None:
            report.articles += 1
        if unit.article_id is not None and unit.file is not None:
            if unit.article_id in owners:
                report.problems.append(Problem(unit.file, "$.id", "id-duplicate", f"id {unit.article_id!r} is also declared by {owners[unit.article_id]}"))
            owners.setdefault(unit.article_id, unit.file)
        if unit.failure is not None:
            outcome.failures.append(f"{unit.file or unit.key}: {unit.failure}")
        elif unit.result is not None and consume is not None:
            consume(unit.key, unit.result)
        elif unit.result is not None:
            outcome.results.append((unit.key, unit.result))


def validate_tree(layout: Layout = DEFAULT_LAYOUT, jobs: int | None = None) -> Report:
    """Validate every file under ``layout.corpus``; nothing is written."""
    return scan(layout, validate="all", jobs=jobs).report


def render(report: Report, show_info: bool = False) -> str:
    """The human report: one line per problem, then a summary line."""
    lines = [str(p) for p in report.problems if show_info or p.level != INFO]
    levels = {level: sum(1 for p in report.problems if p.level == level) for level in (ERROR, WARNING, INFO)}
    lines.append(
        f"{report.articles} articles, {report.annotations} annotations: "
        f"{levels[ERROR]} errors, {levels[WARNING]} warnings, {levels[INFO]} notes"
        + (" — valid" if report.ok else " — INVALID")
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique validate", description="Validate every file under corpus/ against the schemas and the corpus invariants.")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root, help="folder holding corpus/ and schema/ (default: this checkout)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--verbose", action="store_true", help="also list notes (level info), e.g. unhydrated external articles")
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    if not layout.schema.is_dir():
        print(f"{layout.schema}: $: error: no schema folder here; pass --root [schema-missing]", file=sys.stderr)
        return 2
    report = validate_tree(layout, args.jobs)
    print(render(report, args.verbose))
    return 0 if report.ok else 1
