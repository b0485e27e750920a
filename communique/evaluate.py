"""``communique evaluate``: train and evaluate every baseline on every task, per split scheme.

For each scheme and task: every baseline tunes its hyper-parameters on the validation split
(trained on train), is refitted on train + validation with the chosen ones, and only then is the
test split read, once, and scored. The human ceiling (one annotator scored against another on
the doubly annotated articles, in the same metrics) is written beside the models.

One JSON per (task, model, scheme) goes to ``baselines/results/<scheme>/<task>/<model>.json``:
metrics with seeded bootstrap 95% intervals, the seed, the corpus version, package versions, the
sha256 of every release file read, and the chosen hyper-parameters with the validation score of
every grid point. Same seed, same release: byte-identical files (timings go to stdout only).
Fitted models go to ``baselines/models/`` (not committed) for ``communique predict``.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable, Mapping

from threadpoolctl import threadpool_limits

from communique.agreement import annotation_pairs
from communique.baselines import BASELINES, Baseline, Context
from communique.corpus import load_corpus
from communique.embeddings import Encoder, unavailable_reason
from communique.jsonio import ReadFailure, dumps, read_json, write_text
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.registry import ActorRegistry
from communique.scoring import score_task
from communique.taxonomy import Taxonomy, load_taxonomy
from communique.tasks import DEFAULT_SEED, RESAMPLES, SCHEMES, SPLITS, TASKS, ReleaseProblem, gold_rows, read_manifest, read_registry

HUMAN = "human"
MODEL_ORDER = ("majority", "gazetteer", "tfidf-lr", "embeddings", HUMAN)


def results_dir(layout: Layout) -> Path:
    return layout.root / "baselines" / "results"


def models_dir(layout: Layout) -> Path:
    return layout.root / "baselines" / "models"


def result_path(layout: Layout, scheme: str, task: str, model: str) -> Path:
    return results_dir(layout) / scheme / task / f"{model}.json"


def package_versions(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Versions of the packages that produce the numbers."""
    found = {}
    for name in ("communique", "numpy", "scipy", "scikit-learn"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return {**found, **(extra or {})}


def label_distribution(task: str, rows_by_split: Mapping[str, list[Mapping[str, Any]]], taxonomy: Taxonomy, registry: ActorRegistry) -> dict[str, dict[str, int]]:
    """Gold label counts per split (topics: articles per label; stance: dyads per label; actors: actors per type)."""
    out = {}
    for split, rows in rows_by_split.items():
        if task == "topics":
            counts = Counter(label for r in rows for label in r["labels"])
            out[split] = {label: counts[label] for label in taxonomy.topics}
        elif task == "stance":
            counts = Counter(r["label"] for r in rows)
            out[split] = {label: counts[label] for label in taxonomy.stance_labels}
        else:
            counts = Counter(registry.type(a) for r in rows for a in r["actors"])
            out[split] = dict(sorted(counts.items()))
    return out


def human_rows(task: str, pairs: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Gold rows from the first annotator of each pair and predictions from the second, in task format.

    Stance is compared on the dyads both annotators marked (the stance task gives the pair).
    """
    gold: list[dict[str, Any]] = []
    predicted: dict[str, dict[str, Any]] = {}
    for index, (article_id, first, second) in enumerate(pairs):
        unit = f"{article_id}#{index}"
        if task == "topics":
            gold.append({"id": unit, "labels": first["topics"]["labels"], "primary": first["topics"]["primary"]})
            predicted[unit] = {"labels": second["topics"]["labels"], "primary": second["topics"]["primary"]}
        elif task == "stance":
            theirs = {(s["source"], s["target"]): s for s in second["stances"]}
            for stance in first["stances"]:
                other = theirs.get((stance["source"], stance["target"]))
                if other is not None:
                    dyad = f"{unit}:{stance['source']}->{stance['target']}"
                    gold.append({"id": dyad, "article_id": unit, "label": stance["label"], "mode": stance["mode"]})
                    predicted[dyad] = {"label": other["label"], "mode": other["mode"]}
        else:
            def actor_view(annotation: Mapping[str, Any]) -> dict[str, Any]:
                return {
                    "actors": sorted(a["actor"] for a in annotation["actors"]),
                    "main": sorted(a["actor"] for a in annotation["actors"] if a["salience"] == "main"),
                    "mentions": [{"start": m["start"], "end": m["end"], "actor": a["actor"]} for a in annotation["actors"] for m in a["mentions"]],
                }
            gold.append({"id": unit, **actor_view(first)})
            predicted[unit] = actor_view(second)
    return gold, predicted


def human_results(layout: Layout, scheme: str, seed: int, taxonomy: Taxonomy, resamples: int = RESAMPLES) -> dict[str, dict[str, Any]]:
    """The human ceiling per task: agreement between annotators in the benchmark's own metrics."""
    corpus = load_corpus(layout, validate=False)
    pairs = annotation_pairs(corpus)
    if not pairs:
        return {}
    out = {}
    for task in TASKS:
        gold, predicted = human_rows(task, pairs)
        scores = score_task(task, gold, predicted, taxonomy, seed, resamples)
        out[task] = {
            "task": task, "model": HUMAN, "scheme": scheme, "split": "doubly annotated articles (all splits)",
            "seed": seed, "corpus_version": corpus.version, "headline": TASKS[task].headline,
            **scores,
            "annotation_pairs": len(pairs),
            "articles": len({p[0] for p in pairs}),
            "note": "one annotator's annotation scored against another's (F1 is symmetric); stance on the dyads both marked",
            "packages": package_versions(),
        }
    return out


def evaluate_task(
    task_name: str, scheme: str, train: list[dict[str, Any]], validation: list[dict[str, Any]], read_test: Callable[[], list[dict[str, Any]]],
    models: list[Baseline], context: Context, seed: int, resamples: int = RESAMPLES, log: Callable[[str], None] = print,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Tune, refit and test every model on one task; returns ({model: scores and choices}, {model: fitted})."""
    chosen: dict[str, tuple[dict[str, Any], list[dict[str, Any]], Any]] = {}
    for model in models:
        started = time.perf_counter()
        params, grid = model.tune(task_name, train, validation, context)
        fitted = model.fit(task_name, [*train, *validation], context, params)
        chosen[model.name] = (params, grid, fitted)
        log(f"  {scheme}/{task_name}/{model.name}: tuned on {len(grid)} grid point(s) and refitted in {time.perf_counter() - started:.1f} s; chose {params}")
    test = read_test()
    results = {}
    for model in models:
        params, grid, fitted = chosen[model.name]
        predictions = model.predict(task_name, fitted, test, context)
        scores = score_task(task_name, test, predictions, context.taxonomy, seed, resamples)
        results[model.name] = {"scores": scores, "hyper_parameters": params, "grid": grid}
    return results, {name: value[2] for name, value in chosen.items()}


def evaluate_scheme(
    layout: Layout, manifest: dict[str, Any], scheme: str, seed: int, models: list[Baseline], context: Context,
    extra_versions: Mapping[str, str], resamples: int = RESAMPLES, log: Callable[[str], None] = print,
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str], Any]]:
    """Every (task, model) result of one scheme as result documents, and the fitted models."""
    documents: dict[tuple[str, str], dict[str, Any]] = {}
    fitted_models: dict[tuple[str, str], Any] = {}
    for task in TASKS.values():
        applicable = [m for m in models if task.name in m.tasks]
        if not applicable:
            continue
        rows: dict[str, list[dict[str, Any]]] = {}
        files: dict[str, str] = {}
        for split in ("train", "validation"):
            rows[split], found = gold_rows(layout, manifest, task, scheme, split)
            files.update(found)
        if not rows["train"] or not rows["validation"]:
            log(f"  {scheme}/{task.name}: skipped: the train or validation split is empty")
            continue

        def read_test() -> list[dict[str, Any]]:
            rows["test"], found = gold_rows(layout, manifest, task, scheme, "test")
            files.update(found)
            return rows["test"]

        results, fitted = evaluate_task(task.name, scheme, rows["train"], rows["validation"], read_test, applicable, context, seed, resamples, log)
        distribution = label_distribution(task.name, {s: rows[s] for s in SPLITS}, context.taxonomy, context.registry)
        for model_name, result in results.items():
            versions = package_versions(extra_versions if BASELINES[model_name].needs == "embeddings" else None)
            documents[(task.name, model_name)] = {
                "task": task.name, "model": model_name, "scheme": scheme, "split": "test", "seed": seed,
                "corpus_version": manifest["version"], "headline": task.headline,
                **result["scores"],
                "hyper_parameters": result["hyper_parameters"],
                "selection": {"tuned_on": "validation (fitted on train)", "refitted_on": ["train", "validation"], "grid": result["grid"]},
                "rows": {s: len(rows[s]) for s in SPLITS},
                "label_distribution": distribution,
                "release_files": dict(sorted(files.items())),
                "packages": versions,
            }
            fitted_models[(task.name, model_name)] = {"task": task.name, "model": model_name, "scheme": scheme,
                                                      "hyper_parameters": result["hyper_parameters"], "fitted": fitted[model_name],
                                                      "release_files": dict(sorted(files.items()))}
    return documents, fitted_models


def _stale(path: Path, manifest: Mapping[str, Any]) -> bool:
    """A result file whose release files no longer match the release (or that cannot be read)."""
    data = read_json(path)
    if isinstance(data, ReadFailure) or not isinstance(data, dict):
        return True
    files = data.get("release_files", {})
    return any(manifest.get("files", {}).get(f) != digest for f, digest in files.items())


def main(argv: list[str] | None = None) -> int:
    """Single-threaded BLAS: on small sparse problems its threads only contend (10x slower on 2 busy cores)."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="communique evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--scheme", choices=[*SCHEMES, "all"], default="all")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"bootstrap seed (default {DEFAULT_SEED})")
    parser.add_argument("--models", default=",".join(BASELINES), help=f"comma-separated subset of {', '.join(BASELINES)} (default: all)")
    parser.add_argument("--no-embeddings", action="store_true", help="skip the embedding baseline even when it is installed")
    parser.add_argument("--no-save-models", action="store_true", help="do not write fitted models under baselines/models/")
    parser.add_argument("--resamples", type=int, default=RESAMPLES, help=f"bootstrap resamples (default {RESAMPLES})")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in BASELINES]
    if unknown:
        print(f"--models: unknown model(s) {', '.join(unknown)}; known: {', '.join(BASELINES)}", file=sys.stderr)
        return 2
    try:
        manifest = read_manifest(layout)
        registry = read_registry(layout)
    except ReleaseProblem as problem:
        print(problem, file=sys.stderr)
        return 1
    taxonomy = load_taxonomy(layout.taxonomy)
    encoder = None
    extra_versions: dict[str, str] = {}
    if "embeddings" in names:
        reason = "--no-embeddings was given" if args.no_embeddings else unavailable_reason()
        if reason:
            print(f"skipping the embedding baseline: {reason}")
            names.remove("embeddings")
        else:
            started = time.perf_counter()
            encoder = Encoder()
            extra_versions = Encoder.versions()
            print(f"loaded the embedding model in {time.perf_counter() - started:.1f} s")
    context = Context.build(taxonomy, registry, encoder)
    models = [BASELINES[n] for n in names]
    schemes = SCHEMES if args.scheme == "all" else (args.scheme,)
    total = time.perf_counter()
    for scheme in schemes:
        started = time.perf_counter()
        try:
            documents, fitted = evaluate_scheme(layout, manifest, scheme, args.seed, models, context, extra_versions, args.resamples)
        except ReleaseProblem as problem:
            print(problem, file=sys.stderr)
            return 1
        documents.update({(task, HUMAN): doc for task, doc in human_results(layout, scheme, args.seed, taxonomy, args.resamples).items()})
        written = set()
        for (task, model), document in sorted(documents.items()):
            path = result_path(layout, scheme, task, model)
            text = dumps(document)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                write_text(path, text)
            written.add(path)
        for path in sorted((results_dir(layout) / scheme).glob("*/*.json")):
            if path not in written and path.stem != HUMAN and _stale(path, manifest):
                path.unlink()
                print(f"  removed {layout.relative(path)}: its release files are no longer the release's")
        if not args.no_save_models:
            for (task, model), payload in sorted(fitted.items()):
                target = models_dir(layout) / scheme / task / f"{model}.pickle"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
        for (task, model), document in sorted(documents.items()):
            headline = document["headline"]
            low, high = document["intervals"].get(headline, (None, None))
            value = document["metrics"][headline]
            print(f"{scheme:9} {task:7} {model:11} {headline} {value if value is None else f'{value:.3f}'} [{low}, {high}]")
        print(f"scheme {scheme}: {len(documents)} result file(s) in {time.perf_counter() - started:.1f} s")
    print(f"evaluated in {time.perf_counter() - total:.1f} s; results under {layout.relative(results_dir(layout))}/")
    return 0
