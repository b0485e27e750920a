"""The external example: its record, hydration from the raw copy, refusal of any other copy."""

from __future__ import annotations

import json
import shutil

import pytest

from communique.hydrate import main
from communique.layout import REPO_ROOT, Layout
from communique.text import canonical_body, sha256_text
from communique.validate import validate_tree
from tests.conftest import SHARED_EXTERNAL

EXAMPLE_ID = "japan-asean-foreign-ministers-2024-07-26"
RAW = SHARED_EXTERNAL / f"{EXAMPLE_ID}.txt"
needs_copy = pytest.mark.skipif(not RAW.is_file(), reason="the shared external copy is not on this machine")


@pytest.fixture
def repo_copy(tmp_path):
    """The repository's corpus and schemas, copied so hydration writes nowhere in the repo."""
    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "corpus", root / "corpus", ignore=shutil.ignore_patterns("hydrated", "release"))
    shutil.copytree(REPO_ROOT / "schema", root / "schema")
    return Layout(root)


def test_record_keeps_no_text():
    record = json.loads((REPO_ROOT / "corpus" / "articles" / f"{EXAMPLE_ID}.json").read_text())
    assert record["source"]["kind"] == "external" and "text" not in record
    assert len(record["text_sha256"]) == 64 and record["text_length"] > 0


def test_canonical_body_drops_title_repeats_and_share_counters():
    raw = "Title\r\n\r\nTitle\r\n\r\n14\r\n0\r\nSHARE\r\n\r\nTitle\r\n\r\nFirst paragraph.\r\n\r\n\r\nSecond  paragraph.\r\n"
    assert canonical_body(raw, "Title") == "First paragraph.\n\nSecond  paragraph."


@needs_copy
def test_hydrate_restores_the_text_and_the_validator_checks_offsets(repo_copy, capsys):
    assert main([EXAMPLE_ID, str(RAW), "--root", str(repo_copy.root)]) == 0
    body = repo_copy.hydrated_text(EXAMPLE_ID).read_text(encoding="utf-8")
    record = json.loads(repo_copy.article(EXAMPLE_ID).read_text())
    assert sha256_text(body) == record["text_sha256"] and len(body) == record["text_length"]
    report = validate_tree(repo_copy)
    mine = [p for p in report.problems if EXAMPLE_ID in p.file]
    assert not [p for p in mine if p.problem == "external-unhydrated"]
    assert not [p for p in mine if p.level == "error"], mine


@needs_copy
def test_hydrate_refuses_a_different_copy(repo_copy, tmp_path, capsys):
    altered = tmp_path / "altered.txt"
    altered.write_text(RAW.read_text(encoding="utf-8").replace("Vientiane", "Vientiane,", 1), encoding="utf-8")
    assert main([EXAMPLE_ID, str(altered), "--root", str(repo_copy.root)]) == 1
    assert "not the recorded text" in capsys.readouterr().err
    assert not repo_copy.hydrated_text(EXAMPLE_ID).exists()


def test_hydrate_refuses_unknown_and_original_articles(repo_copy, tmp_path, capsys):
    copy = tmp_path / "copy.txt"
    copy.write_text("text", encoding="utf-8")
    assert main(["../etc/passwd", str(copy), "--root", str(repo_copy.root)]) == 1
    assert main(["no-such-article", str(copy), "--root", str(repo_copy.root)]) == 1
    assert "no such article" in capsys.readouterr().err
