"""The committed corpus: valid, and every generated file is what its sources give.

These read the repository and write nothing; each failure names the command that rebuilds.
"""

from __future__ import annotations

from communique import adjudicate, agreement, generate, stats
from communique.layout import GOLD, REPO_ROOT
from communique.validate import validate_tree


def test_repository_corpus_is_valid():
    report = validate_tree()
    assert report.ok, "\n".join(map(str, report.errors[:20]))


def test_every_article_has_gold():
    articles = {p.stem for p in (REPO_ROOT / "corpus" / "articles").glob("*.json")}
    gold = {p.parent.name for p in (REPO_ROOT / "corpus" / "annotations").glob(f"*/{GOLD}.json")}
    assert articles == gold, f"articles without gold: {sorted(articles - gold)[:10]}"


def test_gold_is_what_annotations_and_decisions_give(capsys):
    assert adjudicate.main(["--check"]) == 0, capsys.readouterr().err


def test_agreement_report_is_current(capsys):
    assert agreement.main(["--check"]) == 0, capsys.readouterr().err


def test_statistics_and_datasheet_are_current(capsys):
    assert stats.main(["--check"]) == 0, capsys.readouterr().err


def test_generated_schema_files_are_current(capsys):
    assert generate.main(["--check"]) == 0, capsys.readouterr().err
