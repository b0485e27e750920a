"""``communique predict``: apply a trained baseline to new articles, writing the scorer's format.

Input is JSON Lines, one article a line: ``{"id", "title", "text"}`` (``title`` optional), and for
stance also ``"dyads": [{"source": ACTOR, "target": ACTOR}, ...]``; stance output has one line
per dyad with id ``<article id>:<position in dyads>``, as in the release.

The model is the one ``communique evaluate`` saved under ``baselines/models/<scheme>/<task>/``
(trained on train + validation with the hyper-parameters chosen on validation). If there is no
saved model, or it was trained on other release files, it is refitted the same way: with the
hyper-parameters of the committed result file, or tuned on validation when there is none.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from communique.baselines import BASELINES, Context
from communique.embeddings import Encoder, unavailable_reason
from communique.evaluate import models_dir, result_path
from communique.jsonio import dumps_line, read_json, write_text
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.tasks import SCHEMES, TASKS, ReleaseProblem, gold_rows, read_manifest, read_registry
from communique.taxonomy import load_taxonomy


def read_inputs(raw: str, file: str, task: str) -> list[dict[str, Any]] | list[str]:
    """Article records (stance: one record per dyad), or problems as ``file: line N: $.field: message``."""
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            problems.append(f"{file}: line {number}: $: invalid JSON: {error}")
            continue
        if not isinstance(record, dict):
            problems.append(f"{file}: line {number}: $: expected a JSON object")
            continue
        for field in ("id", "text"):
            if not isinstance(record.get(field), str):
                problems.append(f"{file}: line {number}: $.{field}: required string")
        if "title" in record and not isinstance(record["title"], str):
            problems.append(f"{file}: line {number}: $.title: expected a string")
        if record.get("id") in seen:
            problems.append(f"{file}: line {number}: $.id: duplicate id {record['id']!r}")
        seen.add(record.get("id"))
        dyads = record.get("dyads")
        if task == "stance" and (not isinstance(dyads, list) or not all(isinstance(d, dict) and isinstance(d.get("source"), str) and isinstance(d.get("target"), str) for d in dyads)):
            problems.append(f"{file}: line {number}: $.dyads: required for stance: an array of {{\"source\", \"target\"}} objects")
            continue
        if problems:
            continue
        if task == "stance":
            rows += [{"id": f"{record['id']}:{i}", "article_id": record["id"], "text": record["text"], "source": d["source"], "target": d["target"]}
                     for i, d in enumerate(dyads)]
        else:
            rows.append({"id": record["id"], "title": record.get("title", ""), "text": record["text"]})
    return problems or rows


def load_or_train(layout: Layout, task: str, model: str, scheme: str, context: Context, log=print) -> Any:
    """The fitted estimator: the saved one if it matches the current release, else refitted."""
    manifest = read_manifest(layout)
    saved = models_dir(layout) / scheme / task / f"{model}.pickle"
    if saved.is_file():
        payload = pickle.loads(saved.read_bytes())
        if all(manifest.get("files", {}).get(f) == d for f, d in payload["release_files"].items()):
            log(f"using the saved model {layout.relative(saved)} ({payload['hyper_parameters']})")
            return payload["fitted"]
        log(f"{layout.relative(saved)} was trained on other release files; refitting")
    baseline = BASELINES[model]
    train, _ = gold_rows(layout, manifest, TASKS[task], scheme, "train")
    validation, _ = gold_rows(layout, manifest, TASKS[task], scheme, "validation")
    result = read_json(result_path(layout, scheme, task, model))
    if isinstance(result, dict) and "hyper_parameters" in result:
        params = result["hyper_parameters"]
        log(f"refitting on train + validation with the committed hyper-parameters {params}")
    else:
        params, _ = baseline.tune(task, train, validation, context)
        log(f"no result file: tuned on validation, chose {params}")
    return baseline.fit(task, [*train, *validation], context, params)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique predict", description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=list(TASKS), required=True)
    parser.add_argument("--model", choices=list(BASELINES), required=True)
    parser.add_argument("--input", type=Path, required=True, help="JSONL of {id, title, text} (stance: also dyads)")
    parser.add_argument("--output", type=Path, required=True, help="JSONL predictions in the format `communique score` reads")
    parser.add_argument("--scheme", choices=list(SCHEMES), default="random", help="which split scheme's training data (default random)")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    baseline = BASELINES[args.model]
    if args.task not in baseline.tasks:
        print(f"--model {args.model} does not do {args.task}; it does {', '.join(baseline.tasks)}", file=sys.stderr)
        return 2
    encoder = None
    if baseline.needs == "embeddings":
        reason = unavailable_reason()
        if reason:
            print(f"the embedding baseline is not available: {reason}", file=sys.stderr)
            return 1
        encoder = Encoder()
    try:
        raw = args.input.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{args.input}: line 1: $: cannot read the file: {error}", file=sys.stderr)
        return 1
    rows = read_inputs(raw, str(args.input), args.task)
    if rows and isinstance(rows[0], str):
        print("\n".join(rows), file=sys.stderr)
        return 1
    try:
        registry = read_registry(layout)
    except ReleaseProblem as problem:
        print(problem, file=sys.stderr)
        return 1
    context = Context.build(load_taxonomy(layout.taxonomy), registry, encoder)
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            fitted = load_or_train(layout, args.task, args.model, args.scheme, context)
        except ReleaseProblem as problem:
            print(problem, file=sys.stderr)
            return 1
        predictions = baseline.predict(args.task, fitted, rows, context)
    write_text(args.output, "".join(dumps_line({"id": r["id"], **predictions[r["id"]]}) for r in rows))
    print(f"wrote {len(rows)} prediction(s) to {args.output}")
    return 0
