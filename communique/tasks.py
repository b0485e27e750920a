"""The benchmark's tasks, declared as data (in the manner of MTEB task metadata), and their gold data.

Each :class:`Task` says which release config holds its gold, what a model sees, what it
predicts, which metrics score it and which one is the headline. Evaluation, scoring, prediction
and the leaderboard all read this one table, so a task is described in one place.

Gold comes from the release (``corpus/release/data/<config>/<split>.jsonl``), never from the
annotation files directly: the benchmark scores exactly what users download, and each result
records the sha256 of the release files it used, checked against ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from communique.registry import ActorRegistry
from communique.jsonio import ReadFailure, read_json
from communique.layout import Layout

SPLITS = ("train", "validation", "test")
SCHEMES = ("random", "temporal")
DEFAULT_SEED = 13
RESAMPLES = 1000


@dataclass(frozen=True)
class Task:
    """One benchmark task: where its gold lives, what is predicted and how it is scored."""

    name: str
    description: str
    config: str
    unit: str
    inputs: tuple[str, ...]
    predicts: dict[str, str]
    label_set: str
    metrics: tuple[str, ...]
    headline: str
    extra_configs: tuple[str, ...] = field(default=())

    def config_for(self, scheme: str, config: str | None = None) -> str:
        """The release config name of this task (or of one of its extra configs) under ``scheme``."""
        name = config or self.config
        return name if scheme == "random" else f"{name}-temporal"


TASKS: dict[str, Task] = {
    "topics": Task(
        name="topics",
        description="multi-label document classification into the taxonomy's topics",
        config="topics",
        unit="article",
        inputs=("id", "title", "text"),
        predicts={"labels": "list of topic labels (at least one)", "primary": "the primary topic, one of labels"},
        label_set="schema/taxonomy.json: topics",
        metrics=("micro_f1", "macro_f1", "primary_accuracy", "per_label"),
        headline="micro_f1",
    ),
    "stance": Task(
        name="stance",
        description="directed stance of a given ordered (source, target) pair in an article",
        config="stance",
        extra_configs=("topics",),
        unit="dyad",
        inputs=("id", "article_id", "text", "source", "target"),
        predicts={"label": "cooperative, neutral or conflictual", "mode": "verbal or material (optional; enables quad-class scores)"},
        label_set="schema/taxonomy.json: stance_labels (and modes, quad_classes)",
        metrics=("macro_f1", "accuracy", "per_label", "confusion_matrix", "quad_macro_f1", "quad_accuracy"),
        headline="macro_f1",
    ),
    "actors": Task(
        name="actors",
        description="the set of registry actors an article involves, its main actors, and mention spans",
        config="actors",
        extra_configs=("articles",),
        unit="article",
        inputs=("id", "text"),
        predicts={
            "actors": "list of registry actor ids",
            "main": "list of main actor ids (optional)",
            "mentions": "list of {start, end, actor} spans in code points (optional)",
        },
        label_set="corpus/actors.json",
        metrics=("micro_f1", "macro_f1", "main_f1", "mention_exact_f1", "mention_overlap_f1"),
        headline="micro_f1",
    ),
}

METRIC_NAMES = {
    "micro_f1": "micro-F1",
    "macro_f1": "macro-F1",
    "primary_accuracy": "primary acc.",
    "accuracy": "accuracy",
    "quad_macro_f1": "quad macro-F1",
    "quad_accuracy": "quad acc.",
    "main_f1": "main-actor F1",
    "mention_exact_f1": "mention exact F1",
    "mention_overlap_f1": "mention overlap F1",
}


class ReleaseProblem(Exception):
    """The release is missing, incomplete, or a file no longer matches its manifest hash."""


def read_manifest(layout: Layout) -> dict[str, Any]:
    """The release manifest; raises :class:`ReleaseProblem` when there is no release."""
    path = layout.release / "manifest.json"
    if not path.is_file():
        raise ReleaseProblem(f"{layout.relative(path)}: $: no release; run `communique split` and `communique release` first")
    return json.loads(path.read_text(encoding="utf-8"))


def read_registry(layout: Layout) -> ActorRegistry:
    """The actor registry the release was built with; raises :class:`ReleaseProblem` if it cannot be read."""
    data = read_json(layout.actors)
    if isinstance(data, ReadFailure):
        raise ReleaseProblem(f"{layout.relative(layout.actors)}: $: {data.message}")
    return ActorRegistry.from_data(data)


def read_config_split(layout: Layout, manifest: dict[str, Any], config: str, split: str) -> tuple[list[dict[str, Any]], str, str]:
    """(rows, relative file, sha256) of one release file, verified against the manifest.

    A split with no rows has no file in the release; it reads as no rows and an empty hash.
    """
    entry = manifest.get("configs", {}).get(config)
    if entry is None:
        raise ReleaseProblem(f"{layout.relative(layout.release / 'manifest.json')}: $.configs: no config {config!r}")
    split_entry = entry["splits"].get(split)
    if split_entry is None:
        return [], f"data/{config}/{split}.jsonl", ""
    relative = split_entry["file"]
    raw = (layout.release / relative).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    expected = manifest.get("files", {}).get(relative)
    if expected != digest:
        raise ReleaseProblem(f"{layout.relative(layout.release / relative)}: $: sha256 {digest} differs from the manifest's {expected}; rebuild the release")
    rows = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    return rows, relative, digest


def gold_rows(layout: Layout, manifest: dict[str, Any], task: Task, scheme: str, split: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The gold rows of ``task`` for one split, and the {file: sha256} of the release files read.

    Actor rows gain ``main`` (ids of actors of salience ``main``) from the ``articles`` config,
    the one config that carries salience; stance rows gain their article's ``text`` from the
    ``topics`` config (the release does not repeat it on every dyad).
    """
    rows, relative, digest = read_config_split(layout, manifest, task.config_for(scheme), split)
    files = {relative: digest} if digest else {}
    if task.name == "actors":
        articles, a_relative, a_digest = read_config_split(layout, manifest, task.config_for(scheme, "articles"), split)
        if a_digest:
            files[a_relative] = a_digest
        main = {a["id"]: sorted(x["actor"] for x in a["actors"] if x["salience"] == "main") for a in articles}
        rows = [{**row, "main": main.get(row["id"], [])} for row in rows]
    if task.name == "stance":
        articles, a_relative, a_digest = read_config_split(layout, manifest, task.config_for(scheme, "topics"), split)
        if a_digest:
            files[a_relative] = a_digest
        text = {a["id"]: a["text"] for a in articles}
        rows = [{**row, "text": text[row["article_id"]]} for row in rows]
    return rows, files

