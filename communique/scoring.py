"""Scores of one model's predictions against gold, per task, with seeded bootstrap intervals.

Used by ``communique evaluate`` (baselines), ``communique score`` (outside models) and the human
ceiling (one annotator scored against another), so all three report the same numbers the same
way. Point estimates and per-label figures come from scikit-learn; the 95% intervals resample
articles (a stance dyad goes with its article) from per-article counts, seeded.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from communique.metrics import (
    binarize,
    counts_interval,
    macro_f1_from_totals,
    micro_f1_from_totals,
    multiclass_unit_counts,
    multilabel_unit_counts,
    span_counts,
    span_scores,
)
from communique.taxonomy import Taxonomy

Prediction = Mapping[str, Any]


def _rounded(value: Any, digits: int = 6) -> Any:
    """Floats rounded (recursively), so result files do not change with the last bits of arithmetic."""
    if isinstance(value, float):
        return None if np.isnan(value) else round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v, digits) for v in value]
    return value


def _set_block(gold_sets: list[list[str]], predicted_sets: list[list[str]], classes: Sequence[str] | None, seed: int, resamples: int) -> dict[str, Any]:
    """Micro/macro F1 of aligned label sets; macro over the classes gold or predictions use (as agreement does)."""
    y_true, y_pred, classes = binarize(gold_sets, predicted_sets, classes)
    supported = (y_true.sum(axis=0) + y_pred.sum(axis=0)) > 0
    if not classes:
        return {"micro_f1": 1.0, "macro_f1": float("nan"), "per_label": {}, "intervals": {}}
    counts = multilabel_unit_counts(y_true, y_pred)
    micro = float(f1_score(y_true, y_pred, average="micro", zero_division=0)) if y_true.any() or y_pred.any() else 1.0
    scored_labels = [i for i, s in enumerate(supported) if s]
    macro = float(f1_score(y_true, y_pred, labels=scored_labels, average="macro", zero_division=0)) if scored_labels else float("nan")
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    per_label = {str(c): {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)} for c, p, r, f, s in zip(classes, precision, recall, f1, support)}
    return {
        "micro_f1": micro,
        "macro_f1": macro,
        "per_label": per_label,
        "intervals": {
            "micro_f1": counts_interval(counts, micro_f1_from_totals, seed, resamples),
            "macro_f1": counts_interval(counts, lambda t: macro_f1_from_totals(t, supported), seed, resamples) if scored_labels else (float("nan"), float("nan")),
        },
    }


def score_topics(gold: Sequence[Mapping[str, Any]], predictions: Mapping[str, Prediction], topics: Sequence[str], seed: int, resamples: int = 1000) -> dict[str, Any]:
    """Micro/macro F1, per-label P/R/F1 and primary-topic accuracy over articles."""
    gold_sets = [list(row["labels"]) for row in gold]
    predicted_sets = [list(predictions[row["id"]]["labels"]) for row in gold]
    block = _set_block(gold_sets, predicted_sets, list(topics), seed, resamples)
    correct = np.array([predictions[row["id"]].get("primary") == row["primary"] for row in gold], dtype=np.int64)
    primary_counts = np.stack([correct, np.ones_like(correct), np.ones_like(correct)], axis=-1)[:, None, :]
    metrics = {
        "micro_f1": block["micro_f1"],
        "macro_f1": block["macro_f1"],
        "primary_accuracy": float(accuracy_score([r["primary"] for r in gold], [predictions[r["id"]].get("primary") for r in gold])) if gold else float("nan"),
    }
    intervals = {**block["intervals"], "primary_accuracy": counts_interval(primary_counts, micro_f1_from_totals, seed, resamples)}
    return _rounded({"units": len(gold), "metrics": metrics, "intervals": intervals, "per_label": block["per_label"]})


def _multiclass_block(units: list[int], n_units: int, gold: list[str], predicted: list[str], classes: Sequence[str], seed: int, resamples: int) -> dict[str, Any]:
    supported = [c for c in classes if c in set(gold) | set(predicted)]
    counts = multiclass_unit_counts(units, gold, predicted, classes, n_units)
    scored = np.array([c in supported for c in classes])
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=list(classes), average=None, zero_division=0)
    matrix = confusion_matrix(gold, predicted, labels=list(classes)) if gold else np.zeros((len(classes), len(classes)), dtype=int)
    return {
        "macro_f1": float(f1_score(gold, predicted, labels=supported, average="macro", zero_division=0)) if supported else float("nan"),
        "accuracy": float(accuracy_score(gold, predicted)) if gold else float("nan"),
        "intervals": {
            "macro_f1": counts_interval(counts, lambda t: macro_f1_from_totals(t, scored), seed, resamples),
            "accuracy": counts_interval(counts, micro_f1_from_totals, seed, resamples),
        },
        "per_label": {c: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)} for c, p, r, f, s in zip(classes, precision, recall, f1, support)},
        "confusion_matrix": {"labels": list(classes), "rows_gold_columns_predicted": matrix.astype(int).tolist()},
    }


def score_stance(gold: Sequence[Mapping[str, Any]], predictions: Mapping[str, Prediction], taxonomy: Taxonomy, seed: int, resamples: int = 1000) -> dict[str, Any]:
    """Macro-F1 (headline), accuracy, per-class F1 and confusion matrix over dyads, resampled by article;
    quad-class macro-F1 and accuracy when every prediction has a mode."""
    article_index: dict[str, int] = {}
    units = [article_index.setdefault(row["article_id"], len(article_index)) for row in gold]
    gold_labels = [row["label"] for row in gold]
    predicted_labels = [predictions[row["id"]]["label"] for row in gold]
    block = _multiclass_block(units, len(article_index), gold_labels, predicted_labels, taxonomy.stance_labels, seed, resamples)
    metrics = {"macro_f1": block["macro_f1"], "accuracy": block["accuracy"], "quad_macro_f1": None, "quad_accuracy": None}
    intervals = dict(block["intervals"])
    result: dict[str, Any] = {"units": len(gold), "articles": len(article_index), "metrics": metrics, "intervals": intervals,
                              "per_label": block["per_label"], "confusion_matrix": block["confusion_matrix"]}
    if gold and all("mode" in predictions[row["id"]] for row in gold):
        gold_quad = [taxonomy.quad_class(row["label"], row["mode"]) for row in gold]
        predicted_quad = [taxonomy.quad_class(predictions[row["id"]]["label"], predictions[row["id"]]["mode"]) for row in gold]
        quad = _multiclass_block(units, len(article_index), gold_quad, predicted_quad, taxonomy.quad_classes, seed, resamples)
        metrics["quad_macro_f1"], metrics["quad_accuracy"] = quad["macro_f1"], quad["accuracy"]
        intervals["quad_macro_f1"], intervals["quad_accuracy"] = quad["intervals"]["macro_f1"], quad["intervals"]["accuracy"]
        result["quad_per_label"] = quad["per_label"]
        result["quad_confusion_matrix"] = quad["confusion_matrix"]
    return _rounded(result)


def score_actors(gold: Sequence[Mapping[str, Any]], predictions: Mapping[str, Prediction], seed: int, resamples: int = 1000) -> dict[str, Any]:
    """Actor-set micro/macro F1, main-actor F1 and mention-span F1 (exact, overlap) over articles.

    Main-actor and mention scores are ``None`` when the predictions do not include them.
    """
    block = _set_block([list(r["actors"]) for r in gold], [list(predictions[r["id"]]["actors"]) for r in gold], None, seed, resamples)
    metrics: dict[str, Any] = {"micro_f1": block["micro_f1"], "macro_f1": block["macro_f1"], "main_f1": None, "mention_exact_f1": None, "mention_overlap_f1": None}
    intervals = dict(block["intervals"])
    extra: dict[str, Any] = {}
    if gold and all("main" in predictions[r["id"]] for r in gold):
        main = _set_block([list(r["main"]) for r in gold], [list(predictions[r["id"]]["main"]) for r in gold], None, seed, resamples)
        metrics["main_f1"] = main["micro_f1"]
        intervals["main_f1"] = main["intervals"]["micro_f1"]
    if gold and all("mentions" in predictions[r["id"]] for r in gold):
        gold_spans = [[(m["start"], m["end"], m["actor"]) for m in r["mentions"]] for r in gold]
        predicted_spans = [[(m["start"], m["end"], m["actor"]) for m in predictions[r["id"]]["mentions"]] for r in gold]
        for name, overlap in (("mention_exact_f1", False), ("mention_overlap_f1", True)):
            prf = span_scores(gold_spans, predicted_spans, overlap)
            counts = np.array([span_counts(g, p, overlap) for g, p in zip(gold_spans, predicted_spans)], dtype=np.int64)[:, None, :]
            metrics[name] = prf.f1
            intervals[name] = counts_interval(counts, micro_f1_from_totals, seed, resamples)
            extra[name.removesuffix("_f1")] = prf.as_dict()
    return _rounded({"units": len(gold), "metrics": metrics, "intervals": intervals, "per_label": block["per_label"], "mentions": extra})


def score_task(task: str, gold: Sequence[Mapping[str, Any]], predictions: Mapping[str, Prediction], taxonomy: Taxonomy, seed: int, resamples: int = 1000) -> dict[str, Any]:
    """Dispatch to the task's scorer."""
    if task == "topics":
        return score_topics(gold, predictions, taxonomy.topics, seed, resamples)
    if task == "stance":
        return score_stance(gold, predictions, taxonomy, seed, resamples)
    return score_actors(gold, predictions, seed, resamples)
