"""Label Studio: the generated config parses with the SDK, offsets convert, annotations survive the trip."""

from __future__ import annotations

import json

import pytest
from label_studio_sdk.label_interface import LabelInterface

from communique import labelstudio
from communique.corpus import load_corpus
from communique.labelstudio import LabelStudioError, from_utf16, labeling_config, result_to_annotation, task_for, to_utf16
from communique.validate import validate_tree
from tests.conftest import FIXTURES

RECORDED_EXPORT = FIXTURES / "labelstudio" / "export.json"


def test_offsets_convert_both_ways_outside_the_bmp():
    text = "a😀b𝐢c"
    assert [to_utf16(text, i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 6, 7]
    assert [from_utf16(text, u) for u in (0, 1, 3, 4, 6, 7)] == list(range(len(text) + 1))
    with pytest.raises(LabelStudioError):
        from_utf16(text, 2)


def test_config_parses_with_the_sdk(fixture_corpus):
    corpus = load_corpus(fixture_corpus)
    interface = LabelInterface(labeling_config(corpus.taxonomy, corpus.registry))
    names = {control.name for control in interface.controls}
    assert {"topics", "primary", "actor", "salience", "evidence", "stance_label", "stance_mode", "event_type"} <= names
    assert set(interface.get_control("actor").labels) == set(corpus.registry.actors)
    assert set(interface.get_control("topics").labels) == set(corpus.taxonomy.topics)


@pytest.mark.parametrize("article_id", ["fixture-maritime-incident", "fixture-riyadh-talks"])
def test_round_trip_keeps_every_layer(fixture_corpus, article_id):
    corpus = load_corpus(fixture_corpus)
    gold = corpus.gold(article_id)
    text = corpus.text(article_id)
    task = task_for(corpus.articles[article_id], text, gold, "test")
    result = task["predictions"][0]["result"]
    assert any(r.get("value", {}).get("start") != r.get("value", {}).get("end") for r in result)
    back = result_to_annotation(result, text, corpus.articles[article_id], "ann-ls", gold["guidelines"], "$")
    assert back["topics"]["primary"] == gold["topics"]["primary"]
    assert sorted(back["topics"]["labels"]) == sorted(gold["topics"]["labels"])
    assert back["actors"] == sorted(gold["actors"], key=lambda a: a["actor"])
    assert back["stances"] == sorted(gold["stances"], key=lambda s: (s["source"], s["target"]))


def test_utf16_offsets_in_tasks_differ_from_code_points(fixture_corpus):
    corpus = load_corpus(fixture_corpus)
    text = corpus.text("fixture-maritime-incident")
    task = task_for(corpus.articles["fixture-maritime-incident"], text, corpus.gold("fixture-maritime-incident"), "t")
    region = next(r for r in task["predictions"][0]["result"] if r.get("from_name") == "actor")
    start = region["value"]["start"]
    assert text.encode("utf-16-le")[2 * start : 2 * region["value"]["end"]].decode("utf-16-le") == region["value"]["text"]
    assert text[start : start + len(region["value"]["text"])] != region["value"]["text"]


def test_import_rejects_text_that_does_not_match(fixture_corpus):
    corpus = load_corpus(fixture_corpus)
    text = corpus.text("fixture-maritime-incident")
    bad = [{"id": "x", "from_name": "actor", "to_name": "text", "type": "labels", "value": {"start": 0, "end": 4, "text": "Nope", "labels": ["CHN"]}}]
    with pytest.raises(LabelStudioError, match="is not the text at"):
        result_to_annotation(bad, text, corpus.articles["fixture-maritime-incident"], "a", "0.1.0", "$[0].annotations[0]")


def test_export_then_import_commands(fixture_corpus, tmp_path, capsys):
    root = ["--root", str(fixture_corpus.root)]
    assert labelstudio.export_main([str(tmp_path / "ls"), "--prefill", "gold", *root]) == 0
    tasks = json.loads((tmp_path / "ls" / "tasks.json").read_text())
    exported = [{**task, "annotations": [{"result": task["predictions"][0]["result"], "was_cancelled": False, "completed_by": 1}]} for task in tasks]
    (tmp_path / "export.json").write_text(json.dumps(exported))
    assert labelstudio.import_main([str(tmp_path / "export.json"), "--annotator", "ann-ls", *root]) == 0
    assert validate_tree(fixture_corpus).ok
    assert labelstudio.import_main([str(tmp_path / "export.json"), "--annotator", "ann-ls", *root]) == 1
    assert "exists already" in capsys.readouterr().err


def test_recorded_export_from_the_real_tool_imports(fixture_corpus, capsys):
    """An export made by Label Studio 1.23 itself (scripts/labelstudio_roundtrip.py) imports and validates."""
    assert labelstudio.import_main([str(RECORDED_EXPORT), "--annotator", "ann-ls", "--root", str(fixture_corpus.root)]) == 0
    report = validate_tree(fixture_corpus)
    assert report.ok, [str(p) for p in report.errors]
