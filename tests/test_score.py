"""The predictions scorer: each kind of malformed file gets a located error and no score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from communique import score
from communique.registry import ActorRegistry
from communique.synthetic import synthetic_registry
from communique.taxonomy import load_taxonomy
from tests.test_baselines import build_benchmark_tree

TAXONOMY = load_taxonomy()
REGISTRY = ActorRegistry.from_data(synthetic_registry())
GOLD = {
    "topics": [{"id": f"a{i}", "labels": ["diplomacy"], "primary": "diplomacy"} for i in range(2)],
    "stance": [{"id": f"a0:{i}", "article_id": "a0", "label": "neutral", "mode": "verbal"} for i in range(2)],
    "actors": [{"id": f"a{i}", "text": "China and Japan met.", "actors": ["CHN", "JPN"], "main": ["CHN"], "mentions": []} for i in range(2)],
}


def line(**fields) -> str:
    return json.dumps(fields) + "\n"


TOPIC_OK = [line(id="a0", labels=["diplomacy"], primary="diplomacy"), line(id="a1", labels=["diplomacy"], primary="diplomacy")]
STANCE_OK = [line(id="a0:0", label="neutral"), line(id="a0:1", label="neutral")]
ACTOR_OK = line(id="a1", actors=["CHN"])

CASES = {
    "empty-file": ("topics", b"", "line 1: $: the file is empty"),
    "byte-order-mark": ("topics", b"\xef\xbb\xbf" + TOPIC_OK[0].encode(), "line 1: $: the file starts with a UTF-8 byte-order mark"),
    "not-utf8": ("topics", TOPIC_OK[0].encode() + b'{"id": "\xff"}\n', "line 2: $: not UTF-8"),
    "bad-json": ("topics", (TOPIC_OK[0] + '{"id": "a1", "labels": [}\n').encode(), "line 2: $: invalid JSON"),
    "nan-constant": ("stance", (STANCE_OK[0] + '{"id": "a0:1", "label": NaN}\n').encode(), "line 2: $: invalid JSON: NaN is not valid JSON"),
    "blank-line": ("topics", (TOPIC_OK[0] + "\n" + TOPIC_OK[1]).encode(), "line 2: $: blank line"),
    "not-an-object": ("topics", ("[1, 2]\n" + TOPIC_OK[1]).encode(), "line 1: $: expected a JSON object, got array"),
    "missing-field": ("topics", (line(id="a0", labels=["diplomacy"]) + TOPIC_OK[1]).encode(), "line 1: $.primary: missing required field"),
    "unknown-field": ("topics", (TOPIC_OK[0] + line(id="a1", labels=["diplomacy"], primary="diplomacy", score=0.9)).encode(), "line 2: $.score: unknown field"),
    "wrong-type-list": ("topics", (line(id="a0", labels="diplomacy", primary="diplomacy") + TOPIC_OK[1]).encode(), "line 1: $.labels: expected an array of strings, got string"),
    "wrong-type-id": ("topics", (line(id=0, labels=["diplomacy"], primary="diplomacy") + TOPIC_OK[1]).encode(), "line 1: $.id: expected a string, got integer"),
    "unknown-id": ("topics", (TOPIC_OK[0] + TOPIC_OK[1] + line(id="zzz", labels=["diplomacy"], primary="diplomacy")).encode(), "line 3: $.id: unknown id 'zzz'"),
    "duplicate-id": ("topics", (TOPIC_OK[0] + TOPIC_OK[0] + TOPIC_OK[1]).encode(), "line 2: $.id: duplicate id 'a0' (first on line 1)"),
    "missing-ids": ("topics", TOPIC_OK[0].encode(), "line 1: $.id: 1 gold id(s) have no prediction in the file: a1"),
    "unknown-label": ("topics", (line(id="a0", labels=["sports"], primary="sports") + TOPIC_OK[1]).encode(), "line 1: $.labels[0]: unknown topic 'sports'"),
    "duplicate-label": ("topics", (line(id="a0", labels=["diplomacy", "diplomacy"], primary="diplomacy") + TOPIC_OK[1]).encode(), "line 1: $.labels[1]: duplicate topic 'diplomacy'"),
    "empty-labels": ("topics", (line(id="a0", labels=[], primary="diplomacy") + TOPIC_OK[1]).encode(), "line 1: $.labels: expected at least one topic"),
    "primary-not-in-labels": ("topics", (line(id="a0", labels=["diplomacy"], primary="energy_climate") + TOPIC_OK[1]).encode(), "line 1: $.primary: 'energy_climate' is not among labels"),
    "wrong-task": ("topics", (TOPIC_OK[0] + line(id="a1", label="neutral")).encode(), "line 2: $: this is a stance prediction (fields label), not a topics one"),
    "unknown-stance-label": ("stance", (STANCE_OK[0] + line(id="a0:1", label="hostile")).encode(), "line 2: $.label: unknown label 'hostile'"),
    "optional-on-some-lines": ("stance", (line(id="a0:0", label="neutral", mode="verbal") + STANCE_OK[1]).encode(), "line 2: $.mode: optional field present on some lines (first on line 1)"),
    "unknown-actor": ("actors", (line(id="a0", actors=["XXX"]) + ACTOR_OK).encode(), "line 1: $.actors[0]: unknown actor 'XXX'"),
    "main-not-among-actors": ("actors", (line(id="a0", actors=["CHN"], main=["JPN"]) + line(id="a1", actors=["CHN"], main=[])).encode(), "line 1: $.main[0]: 'JPN' is not among actors"),
    "span-out-of-range": ("actors", (line(id="a0", actors=["CHN"], mentions=[{"start": 0, "end": 999, "actor": "CHN"}]) + line(id="a1", actors=[], mentions=[])).encode(),
                          "line 1: $.mentions[0]: span [0, 999) out of range for a text of 20 code points"),
    "span-inverted": ("actors", (line(id="a0", actors=["CHN"], mentions=[{"start": 5, "end": 0, "actor": "CHN"}]) + line(id="a1", actors=[], mentions=[])).encode(),
                      "line 1: $.mentions[0]: empty or inverted span: start 5 is not before end 0"),
    "span-wrong-type": ("actors", (line(id="a0", actors=["CHN"], mentions=[{"start": True, "end": 5, "actor": "CHN"}]) + line(id="a1", actors=[], mentions=[])).encode(),
                        "line 1: $.mentions[0]: start and end must be integers, got boolean and integer"),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_malformed_predictions_are_located_and_refused(kind: str):
    task, raw, expected = CASES[kind]
    problems = score.parse_predictions(task, raw, "preds.jsonl", GOLD[task], TAXONOMY, REGISTRY)
    assert isinstance(problems, list), f"{kind} was scored"
    assert any(p.startswith(f"preds.jsonl: {expected}") for p in problems), problems


@pytest.mark.parametrize("task,lines", [("topics", TOPIC_OK), ("stance", STANCE_OK), ("actors", [line(id="a0", actors=["CHN"]), ACTOR_OK])])
def test_well_formed_predictions_parse(task: str, lines: list[str]):
    parsed = score.parse_predictions(task, "".join(lines).encode(), "preds.jsonl", GOLD[task], TAXONOMY, REGISTRY)
    assert isinstance(parsed, dict) and sorted(parsed) == sorted(r["id"] for r in GOLD[task])


def test_score_command_refuses_a_bad_file_and_scores_a_good_one(tmp_path: Path, capsys):
    layout = build_benchmark_tree(tmp_path / "tree", articles=24)
    gold = [json.loads(l) for l in (layout.release / "data" / "topics" / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(line(id=r["id"], labels=r["labels"]) for r in gold), encoding="utf-8")
    assert score.main(["--root", str(layout.root), "--task", "topics", "--predictions", str(bad)]) == 1
    assert f"{bad}: line 1: $.primary: missing required field" in capsys.readouterr().err
    assert not (tmp_path / "bad.jsonl.scores.json").exists()
    good = tmp_path / "good.jsonl"
    good.write_text("".join(line(id=r["id"], labels=r["labels"], primary=r["primary"]) for r in gold), encoding="utf-8")
    output = tmp_path / "scores.json"
    assert score.main(["--root", str(layout.root), "--task", "topics", "--predictions", str(good), "--output", str(output)]) == 0
    assert json.loads(output.read_text(encoding="utf-8"))["metrics"] == {"micro_f1": 1.0, "macro_f1": 1.0, "primary_accuracy": 1.0}
