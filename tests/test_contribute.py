"""Contributor commands: add an article, start an annotation, resolve quoted spans."""

from __future__ import annotations

import json

from communique import contribute
from communique.validate import validate_tree

BODY = """---
title: "Manila and Tokyo sign a reciprocal access agreement"
published: 2024-07-08
dateline: Manila
genre: news
event: 2024-japan-philippines-raa
references:
  - outlet: Example Wire
    title: Japan, Philippines sign troop pact
    date: "2024-07-08"
---
The Philippines and Japan signed an agreement on Monday that lets each side's forces
train on the other's territory, Manila said.

Beijing said the pact must not harm third parties.
"""


def test_add_article_writes_a_valid_record(fixture_corpus, tmp_path, capsys):
    source = tmp_path / "article.md"
    source.write_text(BODY, encoding="utf-8")
    assert contribute.add_article_main([str(source), "--root", str(fixture_corpus.root)]) == 0
    path = fixture_corpus.article("2024-07-08-manila-and-tokyo-sign-a-reciprocal-access-agreement")
    article = json.loads(path.read_text())
    assert article["added_in"] == "0.2.0" and article["dateline"] == "MANILA"
    assert article["text"].startswith("The Philippines and Japan signed an agreement on Monday that lets each side's forces train")
    assert "\n\nBeijing said" in article["text"]
    assert contribute.add_article_main([str(source), "--root", str(fixture_corpus.root), "--id", path.stem]) == 1
    assert "already exists" in capsys.readouterr().err


def test_add_article_warns_on_near_duplicate(fixture_corpus, tmp_path, capsys):
    existing = json.loads(fixture_corpus.article("fixture-maritime-incident").read_text())
    source = tmp_path / "copy.txt"
    source.write_text(existing["text"] + "\n\nOne more sentence.", encoding="utf-8")
    flags = ["--title", "Copy", "--published", "2024-06-18", "--dateline", "Manila", "--genre", "brief", "--reference", "Wire|Copy|2024-06-18"]
    assert contribute.add_article_main([str(source), *flags, "--root", str(fixture_corpus.root)]) == 0
    assert "near-duplicate of fixture-maritime-incident" in capsys.readouterr().err


def test_add_article_reports_missing_metadata(fixture_corpus, tmp_path, capsys):
    source = tmp_path / "bare.txt"
    source.write_text("Just a body.", encoding="utf-8")
    assert contribute.add_article_main([str(source), "--root", str(fixture_corpus.root)]) == 1
    err = capsys.readouterr().err
    assert "$.genre" in err and "Traceback" not in err
    assert len(list(fixture_corpus.articles.glob("*.json"))) == 2


def test_skeleton_then_resolve_gives_a_valid_annotation(fixture_corpus, capsys):
    assert contribute.annotate_main(["fixture-maritime-incident", "--annotator", "ann-new", "--root", str(fixture_corpus.root)]) == 0
    path = fixture_corpus.annotation("fixture-maritime-incident", "ann-new")
    draft = json.loads(path.read_text())
    assert [a["actor"] for a in draft["actors"]] == ["CHN", "CHN.coast-guard", "PHL"]
    text = json.loads(fixture_corpus.article("fixture-maritime-incident").read_text())["text"]
    assert all(text[m["start"] : m["end"]] == m["text"] for a in draft["actors"] for m in a["mentions"])
    draft["topics"] = {"primary": "maritime_territorial", "labels": ["maritime_territorial"]}
    draft["stances"] = [{"source": "CHN.coast-guard", "target": "PHL", "label": "conflictual", "mode": "material", "event_type": "COERCE", "evidence": [{"text": "fired water cannon at Philippine vessels"}]}]
    draft["actors"][0]["mentions"] = [{"text": "Beijing", "occurrence": 1}]
    path.write_text(json.dumps(draft))
    assert contribute.resolve_main([str(path), "--root", str(fixture_corpus.root)]) == 0
    assert validate_tree(fixture_corpus).ok


def test_resolve_names_a_missing_occurrence(fixture_corpus, capsys):
    path = fixture_corpus.annotation("fixture-maritime-incident", "ann-test")
    data = json.loads(path.read_text())
    data["actors"][0]["mentions"] = [{"text": "China Coast Guard", "occurrence": 3}]
    path.write_text(json.dumps(data))
    assert contribute.resolve_main([str(path), "--root", str(fixture_corpus.root)]) == 1
    assert "$.actors[0].mentions[0]: 'China Coast Guard' occurs 1 time(s)" in capsys.readouterr().err


def test_annotate_refuses_bad_input(fixture_corpus, capsys):
    root = ["--root", str(fixture_corpus.root)]
    assert contribute.annotate_main(["../../etc", "--annotator", "ann-x", *root]) == 1
    assert contribute.annotate_main(["fixture-maritime-incident", "--annotator", "gold", *root]) == 1
    assert contribute.annotate_main(["fixture-maritime-incident", "--annotator", "ann-test", *root]) == 1
    assert "exists already" in capsys.readouterr().err


def test_reanchor_follows_an_edited_text(fixture_corpus, capsys):
    from communique.text import sha256_text

    path = fixture_corpus.article("fixture-maritime-incident")
    article = json.loads(path.read_text())
    article["text"] = "A new first sentence. " + article["text"]
    article["text_sha256"], article["text_length"] = sha256_text(article["text"]), len(article["text"])
    path.write_text(json.dumps(article))
    assert not validate_tree(fixture_corpus).ok
    files = [str(fixture_corpus.annotation("fixture-maritime-incident", name)) for name in ("ann-test", "gold")]
    assert contribute.reanchor_main([*files, "--root", str(fixture_corpus.root)]) == 0
    assert validate_tree(fixture_corpus).ok


def test_reanchor_refuses_a_deleted_span(fixture_corpus, capsys):
    from communique.text import sha256_text

    path = fixture_corpus.article("fixture-maritime-incident")
    article = json.loads(path.read_text())
    article["text"] = article["text"].replace("Beijing rejected the account.", "No comment.")
    article["text_sha256"], article["text_length"] = sha256_text(article["text"]), len(article["text"])
    path.write_text(json.dumps(article))
    annotation = fixture_corpus.annotation("fixture-maritime-incident", "ann-test")
    before = annotation.read_text()
    assert contribute.reanchor_main([str(annotation), "--root", str(fixture_corpus.root)]) == 1
    assert "'Beijing' no longer occurs" in capsys.readouterr().err
    assert annotation.read_text() == before
