"""``communique score``: score an outside model's predictions file against gold, or say exactly why not.

Predictions are JSON Lines, one object per line, each with exactly these fields:

``topics`` (one line per article)   ``{"id": ARTICLE, "labels": [TOPIC, ...], "primary": TOPIC}``
``stance`` (one line per gold dyad) ``{"id": "ARTICLE:N", "label": LABEL}`` plus optional ``"mode"``
``actors`` (one line per article)   ``{"id": ARTICLE, "actors": [ACTOR, ...]}`` plus optional ``"main"``
                                    (actor ids) and ``"mentions"`` (``[{"start", "end", "actor"}]``,
                                    code-point offsets into the release text, half-open)

Ids are those of the release config's split (``corpus/release/data/<config>/<split>.jsonl``).
An optional field is all or nothing: on every line or on none. Every problem is reported, as
``file: line N: $.field: message``, and the command exits 1 without a score: a malformed file
never gets a silent, partial score.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

from communique.jsonio import dumps, write_text
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.registry import ActorRegistry
from communique.scoring import score_task
from communique.taxonomy import Taxonomy, load_taxonomy
from communique.tasks import DEFAULT_SEED, RESAMPLES, SCHEMES, SPLITS, TASKS, ReleaseProblem, gold_rows, read_manifest, read_registry

REQUIRED = {"topics": ("id", "labels", "primary"), "stance": ("id", "label"), "actors": ("id", "actors")}
OPTIONAL = {"topics": (), "stance": ("mode",), "actors": ("main", "mentions")}
DISTINCTIVE = {"topics": {"labels", "primary"}, "stance": {"label", "mode"}, "actors": {"actors", "main", "mentions"}}
MAX_PROBLEMS = 100


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}.get(type(value), type(value).__name__)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Checks one parsed line against the task's format, label sets, gold ids and texts."""

    def __init__(self, task: str, file: str, gold: Sequence[Mapping[str, Any]], taxonomy: Taxonomy, registry: ActorRegistry):
        self.task, self.file = task, file
        self.gold_ids = {row["id"]: row for row in gold}
        self.labels = {"topics": set(taxonomy.topics), "stance": set(taxonomy.stance_labels)}.get(task, set())
        self.modes = set(taxonomy.modes)
        self.registry = registry
        self.problems: list[str] = []

    def problem(self, line: int, path: str, message: str) -> None:
        self.problems.append(f"{self.file}: line {line}: {path}: {message}")

    def string_list(self, line: int, field: str, value: Any, allowed: set[str] | None, what: str, nonempty: bool = False) -> list[str] | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(line, f"$.{field}", f"expected an array of strings, got {_type_name(value)}" if not isinstance(value, list)
                         else f"expected an array of strings, got an array holding {', '.join(sorted({_type_name(v) for v in value if not isinstance(v, str)}))}")
            return None
        if nonempty and not value:
            self.problem(line, f"$.{field}", f"expected at least one {what}")
        seen: set[str] = set()
        for index, item in enumerate(value):
            if item in seen:
                self.problem(line, f"$.{field}[{index}]", f"duplicate {what} {item!r}")
            seen.add(item)
            if allowed is not None and item not in allowed:
                self.problem(line, f"$.{field}[{index}]", f"unknown {what} {item!r}" + (f"; expected one of {', '.join(sorted(allowed))}" if len(allowed) < 20 else ""))
        return value

    def check(self, line: int, record: Any) -> dict[str, Any] | None:
        """The record as a prediction, or None after recording its problems."""
        if not isinstance(record, dict):
            self.problem(line, "$", f"expected a JSON object, got {_type_name(record)}")
            return None
        keys = set(record)
        ours = set(REQUIRED[self.task]) - {"id"}
        if not keys & ours:
            for other, fields in DISTINCTIVE.items():
                if other != self.task and keys & fields:
                    self.problem(line, "$", f"this is a {other} prediction (fields {', '.join(sorted(keys & fields))}), not a {self.task} one; "
                                 f"expected fields {', '.join(REQUIRED[self.task])}")
                    return None
        before = len(self.problems)
        for field in REQUIRED[self.task]:
            if field not in record:
                self.problem(line, f"$.{field}", "missing required field")
        allowed = set(REQUIRED[self.task]) | set(OPTIONAL[self.task])
        for field in sorted(keys - allowed):
            self.problem(line, f"$.{field}", f"unknown field; allowed: {', '.join(sorted(allowed))}")
        identifier = record.get("id")
        row = None
        if "id" in record:
            if not isinstance(identifier, str):
                self.problem(line, "$.id", f"expected a string, got {_type_name(identifier)}")
            elif identifier not in self.gold_ids:
                self.problem(line, "$.id", f"unknown id {identifier!r}: not in the gold split being scored")
            else:
                row = self.gold_ids[identifier]
        getattr(self, f"_check_{self.task}")(line, record, row)
        return record if len(self.problems) == before else None

    def _check_topics(self, line: int, record: dict[str, Any], row: Any) -> None:
        labels = self.string_list(line, "labels", record["labels"], self.labels, "topic", nonempty=True) if "labels" in record else None
        if "primary" in record:
            primary = record["primary"]
            if not isinstance(primary, str):
                self.problem(line, "$.primary", f"expected a string, got {_type_name(primary)}")
            elif primary not in self.labels:
                self.problem(line, "$.primary", f"unknown topic {primary!r}")
            elif labels is not None and primary not in labels:
                self.problem(line, "$.primary", f"{primary!r} is not among labels")

    def _check_stance(self, line: int, record: dict[str, Any], row: Any) -> None:
        for field, allowed in (("label", self.labels), ("mode", self.modes)):
            if field in record:
                value = record[field]
                if not isinstance(value, str):
                    self.problem(line, f"$.{field}", f"expected a string, got {_type_name(value)}")
                elif value not in allowed:
                    self.problem(line, f"$.{field}", f"unknown {field} {value!r}; expected one of {', '.join(sorted(allowed))}")

    def _check_actors(self, line: int, record: dict[str, Any], row: Any) -> None:
        known = set(self.registry.actors)
        actors = self.string_list(line, "actors", record["actors"], known, "actor") if "actors" in record else None
        if "main" in record:
            main = self.string_list(line, "main", record["main"], known, "actor")
            if main is not None and actors is not None:
                for index, actor in enumerate(main):
                    if actor in known and actor not in actors:
                        self.problem(line, f"$.main[{index}]", f"{actor!r} is not among actors")
        if "mentions" in record:
            mentions = record["mentions"]
            if not isinstance(mentions, list):
                self.problem(line, "$.mentions", f"expected an array of objects, got {_type_name(mentions)}")
                return
            length = len(row["text"]) if row is not None else None
            for index, mention in enumerate(mentions):
                path = f"$.mentions[{index}]"
                if not isinstance(mention, dict):
                    self.problem(line, path, f"expected an object, got {_type_name(mention)}")
                    continue
                if set(mention) != {"start", "end", "actor"}:
                    self.problem(line, path, f"expected exactly the fields actor, end, start; got {', '.join(sorted(mention)) or 'none'}")
                    continue
                if not _is_int(mention["start"]) or not _is_int(mention["end"]):
                    self.problem(line, path, f"start and end must be integers, got {_type_name(mention['start'])} and {_type_name(mention['end'])}")
                    continue
                if not isinstance(mention["actor"], str) or mention["actor"] not in known:
                    self.problem(line, f"{path}.actor", f"unknown actor {mention['actor']!r}")
                start, end = mention["start"], mention["end"]
                if start >= end:
                    self.problem(line, path, f"empty or inverted span: start {start} is not before end {end}")
                elif start < 0 or (length is not None and end > length):
                    self.problem(line, path, f"span [{start}, {end}) out of range for a text of {length} code points")


def parse_predictions(task: str, raw: bytes, file: str, gold: Sequence[Mapping[str, Any]], taxonomy: Taxonomy, registry: ActorRegistry) -> dict[str, dict[str, Any]] | list[str]:
    """Predictions keyed by id, or every problem found (as ``file: line N: $.field: message``)."""
    checker = _Checker(task, file, gold, taxonomy, registry)
    if not raw.strip():
        return [f"{file}: line 1: $: the file is empty; expected one JSON object per line"]
    if raw.startswith(b"\xef\xbb\xbf"):
        return [f"{file}: line 1: $: the file starts with a UTF-8 byte-order mark; save it without one"]
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    predictions: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    optional_first: dict[str, int] = {}
    optional_missing: dict[str, int] = {}
    for number, line_bytes in enumerate(lines, start=1):
        if len(checker.problems) >= MAX_PROBLEMS:
            checker.problems.append(f"{file}: line {number}: $: stopped after {MAX_PROBLEMS} problems")
            break
        try:
            text = line_bytes.decode("utf-8")
        except UnicodeDecodeError as error:
            checker.problem(number, "$", f"not UTF-8: byte {error.start} of the line cannot be decoded")
            continue
        if not text.strip():
            checker.problem(number, "$", "blank line; expected one JSON object per line")
            continue
        try:
            record = json.loads(text, parse_constant=_reject_constant)
        except ValueError as error:
            checker.problem(number, "$", f"invalid JSON: {error}")
            continue
        checked = checker.check(number, record)
        if isinstance(record, dict):
            for field in OPTIONAL[task]:
                target = optional_first if field in record else optional_missing
                target.setdefault(field, number)
        if checked is None:
            continue
        identifier = checked["id"]
        if identifier in first_line:
            checker.problem(number, "$.id", f"duplicate id {identifier!r} (first on line {first_line[identifier]})")
            continue
        first_line[identifier] = number
        predictions[identifier] = checked
    for field in OPTIONAL[task]:
        if field in optional_first and field in optional_missing:
            checker.problem(optional_missing[field], f"$.{field}", f"optional field present on some lines (first on line {optional_first[field]}) "
                            "but missing here: give it on every line or on none")
    if not checker.problems:
        missing = [row["id"] for row in gold if row["id"] not in predictions]
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            checker.problem(len(lines), "$.id", f"{len(missing)} gold id(s) have no prediction in the file: {shown}")
    return checker.problems or predictions


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique score", description=__doc__.splitlines()[0],
                                     epilog="Prediction formats are described in README.md (Baselines and evaluation).")
    parser.add_argument("--task", choices=list(TASKS), required=True)
    parser.add_argument("--predictions", type=Path, required=True, help="JSONL file, one prediction per article (per dyad for stance)")
    parser.add_argument("--scheme", choices=list(SCHEMES), default="random")
    parser.add_argument("--split", choices=list(SPLITS), default="test")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"bootstrap seed (default {DEFAULT_SEED})")
    parser.add_argument("--output", type=Path, help="where to write the scores (default: PREDICTIONS with .scores.json)")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    task = TASKS[args.task]
    try:
        manifest = read_manifest(layout)
        gold, files = gold_rows(layout, manifest, task, args.scheme, args.split)
        registry = read_registry(layout)
    except ReleaseProblem as problem:
        print(problem, file=sys.stderr)
        return 1
    taxonomy = load_taxonomy(layout.taxonomy)
    try:
        raw = args.predictions.read_bytes()
    except OSError as error:
        print(f"{args.predictions}: line 1: $: cannot read the file: {error.strerror}", file=sys.stderr)
        return 1
    parsed = parse_predictions(task.name, raw, str(args.predictions), gold, taxonomy, registry)
    if isinstance(parsed, list):
        print("\n".join(parsed), file=sys.stderr)
        print(f"{len(parsed)} problem(s); not scored", file=sys.stderr)
        return 1
    scores = score_task(task.name, gold, parsed, taxonomy, args.seed, RESAMPLES)
    document = {
        "task": task.name, "scheme": args.scheme, "split": args.split, "seed": args.seed, "corpus_version": manifest["version"],
        "headline": task.headline, "predictions": args.predictions.name, "predictions_sha256": hashlib.sha256(raw).hexdigest(),
        **scores, "release_files": dict(sorted(files.items())),
    }
    output = args.output or args.predictions.with_name(args.predictions.name + ".scores.json")
    write_text(output, dumps(document))
    for name, value in document["metrics"].items():
        low, high = document["intervals"].get(name, (None, None))
        shown = "n/a (not predicted)" if value is None else f"{value:.4f}" + (f"  [{low:.4f}, {high:.4f}]" if low is not None else "")
        print(f"{name:20} {shown}")
    print(f"scores written to {output}")
    return 0
