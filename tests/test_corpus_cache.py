"""The local cache: a second load of an unchanged tree validates nothing again; a changed unit is validated again, a changed registry everything."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from communique import release, splits, validate
from communique.corpus import CorpusInvalid, index_corpus, index_of, load_corpus
from communique.layout import REPO_ROOT, Layout
from communique.synthetic import generate_corpus


@pytest.fixture(autouse=True)
def cache_enabled(monkeypatch):
    """These tests exercise the cache, on temporary trees only (conftest turns it off elsewhere)."""
    monkeypatch.setenv("COMMUNIQUE_NO_CACHE", "0")


@pytest.fixture
def counted(monkeypatch):
    """The ids of the units the validator checks, one list per call of ``load_corpus``'s pass."""
    checked: list[str] = []
    real = validate.check_unit

    def check_unit(context, unit):
        checked.append(unit.key)
        return real(context, unit)

    monkeypatch.setattr(validate, "check_unit", check_unit)
    return checked


def unit_count(layout: Layout) -> int:
    return len({p.stem for p in layout.articles.glob("*.json")} | {p.name for p in layout.annotations.iterdir()})


def test_unchanged_tree_is_validated_once(fixture_corpus: Layout, counted):
    first = load_corpus(fixture_corpus)
    assert len(counted) == unit_count(fixture_corpus)
    counted.clear()
    second = load_corpus(fixture_corpus)
    assert counted == []
    assert first.articles == second.articles and first.annotations == second.annotations
    assert list(first.annotations) == list(second.annotations)


def test_a_changed_file_of_the_same_size_is_validated_again_and_refused(fixture_corpus: Layout, counted):
    load_corpus(fixture_corpus)
    counted.clear()
    path = sorted(fixture_corpus.annotations.glob("*/gold.json"))[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    data["topics"]["primary"] = "x" * len(data["topics"]["primary"])  # same byte count, not a label
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with pytest.raises(CorpusInvalid):
        load_corpus(fixture_corpus)
    assert counted == [path.parent.name]


def test_an_added_stray_file_is_validated_again(fixture_corpus: Layout, counted):
    load_corpus(fixture_corpus)
    counted.clear()
    folder = sorted(p for p in fixture_corpus.annotations.iterdir() if p.is_dir())[0]
    (folder / "notes.txt").write_text("stray\n", encoding="utf-8")
    with pytest.raises(CorpusInvalid):
        load_corpus(fixture_corpus)
    assert counted == [folder.name]


def test_a_registry_change_validates_every_unit_again(fixture_corpus: Layout, counted):
    load_corpus(fixture_corpus)
    counted.clear()
    registry = json.loads(fixture_corpus.actors.read_text(encoding="utf-8"))
    registry["actors"] = [a for a in registry["actors"] if a["id"] != "PHL"]
    fixture_corpus.actors.write_text(json.dumps(registry, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with pytest.raises(CorpusInvalid):
        load_corpus(fixture_corpus)
    assert len(counted) == unit_count(fixture_corpus)


def test_cache_can_be_switched_off(fixture_corpus: Layout, counted, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_NO_CACHE", "1")
    load_corpus(fixture_corpus)
    load_corpus(fixture_corpus)
    assert len(counted) == 2 * unit_count(fixture_corpus)
    assert not (fixture_corpus.root / ".cache").exists()


def test_cached_near_duplicates_equal_a_fresh_search(fixture_corpus: Layout, monkeypatch):
    fresh = splits.near_duplicates(index_corpus(fixture_corpus))
    monkeypatch.setattr(splits, "similar_pairs_of_codes", lambda *a, **k: pytest.fail("the cached pairs were not used"))
    assert splits.near_duplicates(index_corpus(fixture_corpus, with_codes=False)) == fresh
    unvalidated = index_of(load_corpus(fixture_corpus, validate=False))
    monkeypatch.undo()
    assert splits.near_duplicates(unvalidated) == fresh
    assert splits.near_duplicates(index_corpus(fixture_corpus, with_codes=False), threshold=0.5) == [p for p in fresh if p.similarity >= 0.5]


def test_release_is_the_same_with_and_without_the_cache(tmp_path: Path, monkeypatch):
    root = tmp_path / "tree"
    generate_corpus(root, 40, seed=2)
    shutil.copy(REPO_ROOT / "corpus" / "card.json", root / "corpus" / "card.json")
    (root / "README.md").write_text("# Test\n", encoding="utf-8")
    assert splits.main(["--root", str(root)]) == 0
    assert release.main(["--root", str(root)]) == 0
    assert (root / ".cache" / "communique" / "validated-units.json").is_file()
    assert release.main(["--root", str(root)]) == 0
    cold = tmp_path / "cold"
    shutil.copytree(root, cold, ignore=shutil.ignore_patterns(".cache"))
    monkeypatch.setenv("COMMUNIQUE_NO_CACHE", "1")
    assert release.main(["--root", str(cold)]) == 0
    assert release.differing_files(root / "corpus" / "release", cold / "corpus" / "release") == []
    assert (root / "README.md").read_bytes() == (cold / "README.md").read_bytes()
