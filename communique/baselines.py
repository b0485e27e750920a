"""The baseline models: each tunes on validation, fits, and predicts in the scorer's format.

``majority``   scikit-learn's DummyClassifier (most frequent label, per label for sets): the floor.
``tfidf-lr``   TF-IDF word and character n-grams and logistic regression; one-vs-rest for topics;
               for stance, features that see the pair (the sentences mentioning both actors, each
               actor's own sentences, their types and the ordered pair itself) and a second
               classifier for the mode, so quad classes can be scored.
``gazetteer``  the registry's names and aliases, longest match, optionally rolled up to parents.
``embeddings`` all-MiniLM-L6-v2 sentence embeddings (optional extra, see :mod:`communique.embeddings`)
               and logistic regression.

A model is a :class:`Baseline` with three functions: ``tune`` (train and validation rows in, the
chosen hyper-parameters and the score of every grid point out), ``fit`` (rows and
hyper-parameters in, a fitted estimator out) and ``predict`` (estimator and rows in, predictions
keyed by id out). Only ``evaluate`` decides which split goes where: nothing here reads files.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import MultiLabelBinarizer, OneHotEncoder

from communique.gazetteer import Gazetteer, roll_up_matches
from communique.registry import ActorRegistry
from communique.scoring import score_task
from communique.taxonomy import Taxonomy

AUTHOR = "@author"
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
THRESHOLDS = (0.2, 0.3, 0.4, 0.5)
CLASS_WEIGHTS = (None, "balanced")
MAX_ITER = 2000

Rows = Sequence[Mapping[str, Any]]
Predictions = dict[str, dict[str, Any]]


@dataclass
class Context:
    """What models need besides rows: label sets, the registry and its gazetteer, an optional encoder."""

    taxonomy: Taxonomy
    registry: ActorRegistry
    gazetteer: Gazetteer
    encoder: Any = None

    @classmethod
    def build(cls, taxonomy: Taxonomy, registry: ActorRegistry, encoder: Any = None) -> "Context":
        return cls(taxonomy, registry, Gazetteer(registry), encoder)


@dataclass(frozen=True)
class Baseline:
    """A baseline model: the tasks it handles and its tune / fit / predict functions."""

    name: str
    tasks: tuple[str, ...]
    tune: Callable[[str, Rows, Rows, Context], tuple[dict[str, Any], list[dict[str, Any]]]]
    fit: Callable[[str, Rows, Context, dict[str, Any]], Any]
    predict: Callable[[str, Any, Rows, Context], Predictions]
    needs: str | None = None


def selection_key(task: str, scores: Mapping[str, Any]) -> tuple[float, ...]:
    """What validation maximises: the task's headline, then (actors) main-actor F1 as a tie-break."""
    metrics = scores["metrics"]
    headline = {"topics": "micro_f1", "stance": "macro_f1", "actors": "micro_f1"}[task]
    second = {"topics": "macro_f1", "stance": "accuracy", "actors": "main_f1"}[task]
    return tuple(float(metrics[m]) if metrics.get(m) is not None else -1.0 for m in (headline, second))


def _pick(task: str, trials: list[tuple[dict[str, Any], dict[str, Any]]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first grid point with the best validation key, and every point's validation scores."""
    best = max(range(len(trials)), key=lambda i: (selection_key(task, trials[i][1]), -i))
    grid = [{"params": params, "validation": {k: v for k, v in scores["metrics"].items() if v is not None}} for params, scores in trials]
    return trials[best][0], grid


def _validation_scores(task: str, rows: Rows, predictions: Predictions, context: Context) -> dict[str, Any]:
    return score_task(task, rows, predictions, context.taxonomy, seed=0, resamples=0)


# ------------------------------------------------------------------------------- features


def article_text(row: Mapping[str, Any]) -> str:
    """Title and body, the input of document-level models."""
    title = row.get("title") or ""
    return f"{title}\n\n{row['text']}" if title else row["text"]


_SENTENCE = re.compile(r"\S.*?(?:[.!?](?=\s)|\n|\Z)", re.S)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end): a simple split at . ! ? before white space, and at line ends."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]


def _chain(actor: str, registry: ActorRegistry) -> set[str]:
    found = {actor}
    current: str | None = actor
    while current and (current := registry.up(current)) and current not in found:
        found.add(current)
    return found


def dyad_features(rows: Rows, context: Context) -> pd.DataFrame:
    """One row of pair-aware inputs per dyad.

    ``near``: the sentences that mention both actors (else either; else the lead); ``source_context``
    and ``target_context``: each actor's own sentences; ``pair``, ``types``, ``source_type`` and
    ``target_type``: categorical. A mention of an actor is a gazetteer match of it or of anything
    below it (a ministry speaks for its state). The author (``@author``) has no mentions.
    """
    cache: dict[str, tuple[list[tuple[int, int]], list[tuple[int, set[str]]]]] = {}
    records = []
    for row in rows:
        text = row["text"]
        key = row.get("article_id", row.get("id"))
        if key not in cache:
            spans = sentences(text)
            starts = [s for s, _ in spans]
            found = []
            for match in context.gazetteer.find(text):
                index = max(0, int(np.searchsorted(starts, match.start, side="right")) - 1)
                found.append((index, _chain(match.actor, context.registry)))
            cache[key] = (spans, found)
        spans, found = cache[key]
        source, target = row["source"], row["target"]
        source_sentences = sorted({i for i, actors in found if source in actors})
        target_sentences = sorted({i for i, actors in found if target in actors})
        both = sorted(set(source_sentences) & set(target_sentences))
        lead = list(range(min(3, len(spans))))

        def join(indices: list[int]) -> str:
            return " ".join(text[spans[i][0]:spans[i][1]] for i in (indices or lead)) or text[:500]

        source_type = "author" if source == AUTHOR else context.registry.type(source)
        target_type = "author" if target == AUTHOR else context.registry.type(target)
        records.append({
            "near": join(both or sorted(set(source_sentences) | set(target_sentences))),
            "source_context": join(source_sentences),
            "target_context": join(target_sentences),
            "pair": f"{source}->{target}",
            "types": f"{source_type}->{target_type}",
            "source_type": source_type,
            "target_type": target_type,
        })
    return pd.DataFrame.from_records(records, columns=["near", "source_context", "target_context", "pair", "types", "source_type", "target_type"])


CATEGORICAL = ["pair", "types", "source_type", "target_type"]


def topic_vectorizer() -> FeatureUnion:
    """Word 1–2-grams and character 2–5-grams (within words), sublinear TF-IDF."""
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_features=200_000)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=200_000)),
    ])


def stance_vectorizer() -> ColumnTransformer:
    """TF-IDF of the pair's sentences (words and characters) and of each side's, plus one-hot pair and types."""
    return ColumnTransformer([
        ("near_word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=100_000), "near"),
        ("near_char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=100_000), "near"),
        ("source_word", TfidfVectorizer(sublinear_tf=True, max_features=50_000), "source_context"),
        ("target_word", TfidfVectorizer(sublinear_tf=True, max_features=50_000), "target_context"),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
    ])


# ---------------------------------------------------------------------- shared estimators


def _topic_targets(rows: Rows, taxonomy: Taxonomy) -> tuple[MultiLabelBinarizer, np.ndarray]:
    binarizer = MultiLabelBinarizer(classes=[t for t in taxonomy.topics if any(t in r["labels"] for r in rows)])
    return binarizer, binarizer.fit_transform([r["labels"] for r in rows])


def _fit_ovr(features: Any, targets: np.ndarray, c: float) -> OneVsRestClassifier:
    return OneVsRestClassifier(LogisticRegression(C=c, max_iter=MAX_ITER)).fit(features, targets)


def _fit_primary(features: Any, rows: Rows, c: float) -> Any:
    """A multi-class model of the primary topic: the most probable of several labels is a poor guess of it."""
    primaries = [r["primary"] for r in rows]
    model = LogisticRegression(C=c, max_iter=MAX_ITER) if len(set(primaries)) > 1 else DummyClassifier(strategy="most_frequent")
    return model.fit(features, primaries)


def _topic_predictions(rows: Rows, probabilities: np.ndarray, classes: Sequence[str], threshold: float, primaries: Sequence[str]) -> Predictions:
    """Labels at or above ``threshold`` plus the predicted primary topic."""
    out: Predictions = {}
    for row, p, primary in zip(rows, probabilities, primaries):
        labels = sorted({str(primary), *(c for c, v in zip(classes, p) if v >= threshold)})
        out[row["id"]] = {"labels": labels, "primary": str(primary)}
    return out


def _topic_fit(features: Any, rows: Rows, context: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    binarizer, targets = _topic_targets(rows, context.taxonomy)
    return {"binarizer": binarizer, "model": _fit_ovr(features, targets, params["C"]), "primary": _fit_primary(features, rows, params["C"]), "threshold": params["threshold"]}


def _topic_predict(fitted: Mapping[str, Any], features: Any, rows: Rows) -> Predictions:
    probabilities = fitted["model"].predict_proba(features)
    return _topic_predictions(rows, probabilities, list(fitted["binarizer"].classes_), fitted["threshold"], fitted["primary"].predict(features))


def _fit_label(features: Any, rows: Rows, c: float, class_weight: str | None) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight=class_weight, max_iter=MAX_ITER).fit(features, [r["label"] for r in rows])


def _fit_mode(features: Any, rows: Rows, c: float) -> Any:
    modes = [r["mode"] for r in rows]
    model = LogisticRegression(C=c, max_iter=MAX_ITER) if len(set(modes)) > 1 else DummyClassifier(strategy="most_frequent")
    return model.fit(features, modes)


def _stance_fit(features: Any, rows: Rows, params: Mapping[str, Any]) -> dict[str, Any]:
    return {"label": _fit_label(features, rows, params["C"], params["class_weight"]), "mode": _fit_mode(features, rows, params["mode_C"])}


def _stance_predictions(rows: Rows, models: Mapping[str, Any], features: Any) -> Predictions:
    labels = models["label"].predict(features)
    modes = models["mode"].predict(features)
    return {r["id"]: {"label": str(l), "mode": str(m)} for r, l, m in zip(rows, labels, modes)}


def _stance_grid(train: Rows, validation: Rows, x_train: Any, x_validation: Any, context: Context) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Label C and class weight on validation macro-F1 (mode model fixed), then the mode model's C on quad macro-F1."""
    default_mode = _fit_mode(x_train, train, 1.0)
    trials = []
    for c in C_GRID:
        for weight in CLASS_WEIGHTS:
            models = {"label": _fit_label(x_train, train, c, weight), "mode": default_mode}
            trials.append(({"C": c, "class_weight": weight, "mode_C": 1.0}, _validation_scores("stance", validation, _stance_predictions(validation, models, x_validation), context)))
    best, grid = _pick("stance", trials)
    best_label = _fit_label(x_train, train, best["C"], best["class_weight"])
    mode_trials = []
    for c in C_GRID:
        models = {"label": best_label, "mode": _fit_mode(x_train, train, c)}
        mode_trials.append(({**best, "mode_C": c}, _validation_scores("stance", validation, _stance_predictions(validation, models, x_validation), context)))
    best_mode = max(range(len(mode_trials)), key=lambda i: (mode_trials[i][1]["metrics"]["quad_macro_f1"] or 0.0, -i))
    grid += [{"params": p, "validation": {k: v for k, v in s["metrics"].items() if v is not None}} for p, s in mode_trials]
    return mode_trials[best_mode][0], grid


def _topic_grid(train: Rows, validation: Rows, x_train: Any, x_validation: Any, context: Context) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """C (shared by the label and primary models) and the probability threshold on validation micro-F1."""
    trials = []
    for c in C_GRID:
        fitted = _topic_fit(x_train, train, context, {"C": c, "threshold": 0.5})
        probabilities = fitted["model"].predict_proba(x_validation)
        primaries = fitted["primary"].predict(x_validation)
        for threshold in THRESHOLDS:
            predictions = _topic_predictions(validation, probabilities, list(fitted["binarizer"].classes_), threshold, primaries)
            trials.append(({"C": c, "threshold": threshold}, _validation_scores("topics", validation, predictions, context)))
    return _pick("topics", trials)


# --------------------------------------------------------------------------------- majority


def _majority_tune(task: str, train: Rows, validation: Rows, context: Context) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    params = {"strategy": "most_frequent"}
    predictions = _majority_predict(task, _majority_fit(task, train, context, params), validation, context)
    return params, [{"params": params, "validation": {k: v for k, v in _validation_scores(task, validation, predictions, context)["metrics"].items() if v is not None}}]


def _majority_fit(task: str, rows: Rows, context: Context, params: dict[str, Any]) -> dict[str, Any]:
    dummy = np.zeros((len(rows), 1))
    if task == "topics":
        binarizer, targets = _topic_targets(rows, context.taxonomy)
        return {"binarizer": binarizer, "labels": DummyClassifier(strategy=params["strategy"]).fit(dummy, targets),
                "primary": DummyClassifier(strategy=params["strategy"]).fit(dummy, [r["primary"] for r in rows])}
    if task == "stance":
        return {"label": DummyClassifier(strategy=params["strategy"]).fit(dummy, [r["label"] for r in rows]),
                "mode": DummyClassifier(strategy=params["strategy"]).fit(dummy, [r["mode"] for r in rows])}
    fitted = {}
    for field in ("actors", "main"):
        binarizer = MultiLabelBinarizer().fit([r[field] for r in rows])
        targets = binarizer.transform([r[field] for r in rows])
        fitted[field] = (binarizer, DummyClassifier(strategy=params["strategy"]).fit(dummy, targets) if targets.shape[1] else None)
    return fitted


def _majority_predict(task: str, fitted: dict[str, Any], rows: Rows, context: Context) -> Predictions:
    dummy = np.zeros((len(rows), 1))
    if task == "topics":
        labels = fitted["binarizer"].inverse_transform(np.asarray(fitted["labels"].predict(dummy)).reshape(len(rows), -1)) if rows else []
        primary = fitted["primary"].predict(dummy) if rows else []
        return {r["id"]: {"labels": sorted({str(p), *l}), "primary": str(p)} for r, l, p in zip(rows, labels, primary)}
    if task == "stance":
        return _stance_predictions(rows, fitted, dummy) if rows else {}
    out: Predictions = {r["id"]: {"mentions": []} for r in rows}
    for field, (binarizer, model) in fitted.items():
        chosen = binarizer.inverse_transform(np.asarray(model.predict(dummy)).reshape(len(rows), -1)) if model is not None and rows else [()] * len(rows)
        for r, found in zip(rows, chosen):
            out[r["id"]][field] = sorted(found)
    return out


MAJORITY = Baseline("majority", ("topics", "stance", "actors"), _majority_tune, _majority_fit, _majority_predict)


# --------------------------------------------------------------------------------- tf-idf + LR


def _tfidf_tune(task: str, train: Rows, validation: Rows, context: Context) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if task == "topics":
        vectorizer = topic_vectorizer()
        x_train = vectorizer.fit_transform([article_text(r) for r in train])
        return _topic_grid(train, validation, x_train, vectorizer.transform([article_text(r) for r in validation]), context)
    vectorizer = stance_vectorizer()
    x_train = vectorizer.fit_transform(dyad_features(train, context))
    return _stance_grid(train, validation, x_train, vectorizer.transform(dyad_features(validation, context)), context)


def _tfidf_fit(task: str, rows: Rows, context: Context, params: dict[str, Any]) -> dict[str, Any]:
    if task == "topics":
        vectorizer = topic_vectorizer()
        return {"vectorizer": vectorizer, **_topic_fit(vectorizer.fit_transform([article_text(r) for r in rows]), rows, context, params)}
    vectorizer = stance_vectorizer()
    return {"vectorizer": vectorizer, **_stance_fit(vectorizer.fit_transform(dyad_features(rows, context)), rows, params)}


def _tfidf_predict(task: str, fitted: dict[str, Any], rows: Rows, context: Context) -> Predictions:
    if not rows:
        return {}
    if task == "topics":
        return _topic_predict(fitted, fitted["vectorizer"].transform([article_text(r) for r in rows]), rows)
    return _stance_predictions(rows, fitted, fitted["vectorizer"].transform(dyad_features(rows, context)))


TFIDF = Baseline("tfidf-lr", ("topics", "stance"), _tfidf_tune, _tfidf_fit, _tfidf_predict)


# --------------------------------------------------------------------------------- gazetteer


GAZETTEER_GRID = [{"roll_up": roll_up, "main_top": k} for roll_up in (False, True) for k in (1, 2, 3)]


def _gazetteer_predict(task: str, params: dict[str, Any], rows: Rows, context: Context) -> Predictions:
    """Actors found (optionally rolled up), the ``main_top`` most mentioned as main, matches as mentions."""
    out: Predictions = {}
    for row in rows:
        matches = context.gazetteer.find(row["text"])
        actors = roll_up_matches(matches, context.registry) if params["roll_up"] else sorted({m.actor for m in matches})
        counts = Counter(m.actor for m in matches)
        first = {}
        for m in matches:
            first.setdefault(m.actor, m.start)
        ranked = sorted(counts, key=lambda a: (-counts[a], first[a]))
        cut = counts[ranked[min(params["main_top"], len(ranked)) - 1]] if ranked else 0
        out[row["id"]] = {
            "actors": actors,
            "main": sorted(a for a in ranked[: params["main_top"]] if counts[a] >= cut),
            "mentions": [{"start": m.start, "end": m.end, "actor": m.actor} for m in matches],
        }
    return out


def _gazetteer_tune(task: str, train: Rows, validation: Rows, context: Context) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return _pick(task, [(p, _validation_scores(task, validation, _gazetteer_predict(task, p, validation, context), context)) for p in GAZETTEER_GRID])


GAZETTEER = Baseline("gazetteer", ("actors",), _gazetteer_tune, lambda task, rows, context, params: dict(params), _gazetteer_predict)


# --------------------------------------------------------------------------------- embeddings


def _embedding_features(task: str, rows: Rows, context: Context, categorical: OneHotEncoder | None = None) -> tuple[Any, OneHotEncoder | None]:
    if task == "topics":
        return context.encoder.encode([article_text(r) for r in rows]), None
    frame = dyad_features(rows, context)
    if categorical is None:
        categorical = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(frame[CATEGORICAL])
    return np.hstack([context.encoder.encode(list(frame["near"])), categorical.transform(frame[CATEGORICAL])]), categorical


def _embeddings_tune(task: str, train: Rows, validation: Rows, context: Context) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    x_train, categorical = _embedding_features(task, train, context)
    x_validation, _ = _embedding_features(task, validation, context, categorical)
    if task == "topics":
        return _topic_grid(train, validation, x_train, x_validation, context)
    return _stance_grid(train, validation, x_train, x_validation, context)


def _embeddings_fit(task: str, rows: Rows, context: Context, params: dict[str, Any]) -> dict[str, Any]:
    features, categorical = _embedding_features(task, rows, context)
    if task == "topics":
        return _topic_fit(features, rows, context, params)
    return {"categorical": categorical, **_stance_fit(features, rows, params)}


def _embeddings_predict(task: str, fitted: dict[str, Any], rows: Rows, context: Context) -> Predictions:
    if not rows:
        return {}
    features, _ = _embedding_features(task, rows, context, fitted.get("categorical"))
    if task == "topics":
        return _topic_predict(fitted, features, rows)
    return _stance_predictions(rows, fitted, features)


EMBEDDINGS = Baseline("embeddings", ("topics", "stance"), _embeddings_tune, _embeddings_fit, _embeddings_predict, needs="embeddings")

BASELINES: dict[str, Baseline] = {b.name: b for b in (MAJORITY, TFIDF, GAZETTEER, EMBEDDINGS)}
