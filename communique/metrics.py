"""Scores shared by the benchmark and by inter-annotator agreement, so both speak the same metrics.

Set and label scores come from scikit-learn; span matching (exact and overlap) is the one piece
scikit-learn has no notion of. Every headline number can carry a seeded bootstrap interval over
documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Sequence

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

Span = tuple[int, int, Hashable]


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 with the counts behind them."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    gold: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "true_positives": self.true_positives,
            "predicted": self.predicted,
            "gold": self.gold,
        }


def prf_from_counts(true_positives: int, predicted: int, gold: int) -> PRF:
    """P/R/F1 from counts; an empty side scores 0, except both empty, which scores 1."""
    if predicted == 0 and gold == 0:
        return PRF(1.0, 1.0, 1.0, 0, 0, 0)
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, true_positives, predicted, gold)


def binarize(gold: Sequence[Iterable[Hashable]], predicted: Sequence[Iterable[Hashable]], classes: Sequence[Hashable] | None = None):
    """Indicator matrices for two aligned sequences of label sets, over a shared class list."""
    gold_sets = [set(g) for g in gold]
    predicted_sets = [set(p) for p in predicted]
    if classes is None:
        classes = sorted(set().union(*gold_sets, *predicted_sets), key=str)
    binarizer = MultiLabelBinarizer(classes=list(classes))
    binarizer.fit([])
    return binarizer.transform(gold_sets), binarizer.transform(predicted_sets), list(classes)


def multilabel_scores(
    gold: Sequence[Iterable[Hashable]], predicted: Sequence[Iterable[Hashable]], classes: Sequence[Hashable] | None = None
) -> dict[str, object]:
    """Micro and macro F1 and per-class P/R/F1 of aligned label sets (documents as rows).

    Macro F1 averages over the classes that occur in the gold or the predictions: a class
    neither side uses says nothing about agreement and would otherwise count as 0.
    """
    y_true, y_pred, classes = binarize(gold, predicted, classes)
    if not classes:
        return {"micro_f1": 1.0, "macro_f1": 1.0, "per_label": {}}
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    seen = (y_true.sum(axis=0) + y_pred.sum(axis=0)) > 0
    return {
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "macro_f1": float(f1[seen].mean()) if seen.any() else 1.0,
        "per_label": {
            str(label): {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(classes, precision, recall, f1, support)
        },
    }


def span_counts(gold: Iterable[Span], predicted: Iterable[Span], overlap: bool = False) -> tuple[int, int, int]:
    """(matched, predicted, gold) for one document's labelled spans.

    Exact: same start, end and label. Overlap: same label and at least one shared code point;
    each gold span is matched at most once, greedily in text order.
    """
    gold_list = sorted(set(gold), key=lambda s: (s[0], s[1], str(s[2])))
    predicted_list = sorted(set(predicted), key=lambda s: (s[0], s[1], str(s[2])))
    if not overlap:
        return len(set(gold_list) & set(predicted_list)), len(predicted_list), len(gold_list)
    used = [False] * len(gold_list)
    matched = 0
    for start, end, label in predicted_list:
        for index, (g_start, g_end, g_label) in enumerate(gold_list):
            if not used[index] and g_label == label and start < g_end and g_start < end:
                used[index] = True
                matched += 1
                break
    return matched, len(predicted_list), len(gold_list)


def span_scores(gold_docs: Sequence[Iterable[Span]], predicted_docs: Sequence[Iterable[Span]], overlap: bool = False) -> PRF:
    """Micro-averaged span P/R/F1 over aligned documents."""
    totals = np.zeros(3, dtype=int)
    for gold, predicted in zip(gold_docs, predicted_docs):
        totals += span_counts(gold, predicted, overlap)
    return prf_from_counts(*map(int, totals))


def bootstrap_interval(
    statistic: Callable[[np.ndarray], float], n_units: int, seed: int, resamples: int = 1000, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(indices)`` resampling units (documents) with replacement."""
    if n_units == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    values = np.array([statistic(rng.integers(0, n_units, n_units)) for _ in range(resamples)], dtype=float)
    tail = (1 - level) / 2 * 100
    low, high = np.nanpercentile(values, [tail, 100 - tail])
    return float(low), float(high)


# ------------------------------------------------------------------ counts for fast bootstraps
#
# A bootstrap recomputes a score a thousand times; recomputing it with scikit-learn each time
# would dominate the benchmark's run time. Instead each unit (article) is reduced once to its
# (true positives, predicted, gold) counts per class, and a resample is a sum of rows. The point
# estimates themselves still come from scikit-learn; a test checks that both agree.

TP, PREDICTED, GOLD = 0, 1, 2


def multilabel_unit_counts(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Counts of shape (units, classes, 3) from indicator matrices of shape (units, classes)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    return np.stack([y_true & y_pred, y_pred, y_true], axis=-1)


def multiclass_unit_counts(units: Sequence[int], gold: Sequence[Hashable], predicted: Sequence[Hashable], classes: Sequence[Hashable], n_units: int) -> np.ndarray:
    """Counts of shape (units, classes, 3) for single-label items grouped into units (dyads by article)."""
    index = {label: position for position, label in enumerate(classes)}
    counts = np.zeros((n_units, len(classes), 3), dtype=np.int64)
    for unit, g, p in zip(units, gold, predicted):
        if p in index:
            counts[unit, index[p], PREDICTED] += 1
        if g in index:
            counts[unit, index[g], GOLD] += 1
            if g == p:
                counts[unit, index[g], TP] += 1
    return counts


def micro_f1_from_totals(totals: np.ndarray) -> float:
    """Micro F1 of summed (classes, 3) counts: 2·TP / (predicted + gold); both empty scores 1."""
    tp, predicted, gold = totals.reshape(-1, 3).sum(axis=0)
    return 1.0 if predicted + gold == 0 else float(2 * tp / (predicted + gold))


def macro_f1_from_totals(totals: np.ndarray, scored: np.ndarray | None = None) -> float:
    """Mean per-class F1 over the ``scored`` classes (a boolean mask; default all).

    A class with neither gold nor predicted items in a resample has no F1 and is left out of
    that resample's mean, rather than counted as 0 or 1.
    """
    totals = totals if scored is None else totals[scored]
    denominator = totals[:, PREDICTED] + totals[:, GOLD]
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(denominator > 0, 2 * totals[:, TP] / np.maximum(denominator, 1), np.nan)
    return float(np.nanmean(per_class)) if np.any(denominator > 0) else float("nan")


def counts_interval(counts: np.ndarray, statistic: Callable[[np.ndarray], float], seed: int, resamples: int = 1000) -> tuple[float, float]:
    """Bootstrap interval of ``statistic`` over summed per-unit ``counts`` (units resampled); none for 0 resamples."""
    if resamples <= 0:
        return (float("nan"), float("nan"))
    return bootstrap_interval(lambda indices: statistic(counts[indices].sum(axis=0)), len(counts), seed, resamples)
