"""The local cache: a second load of an unchanged tree skips the validator; any change validates again."""

from __future__ import annotations

import json

import pytest

from communique import corpus as corpus_module
from communique import splits
from communique.corpus import CorpusInvalid, load_corpus
from communique.layout import Layout


@pytest.fixture(autouse=True)
def cache_enabled(monkeypatch):
    """These tests exercise the cache, on temporary trees only (conftest turns it off elsewhere)."""
    monkeypatch.setenv("COMMUNIQUE_NO_CACHE", "0")


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = corpus_module.validate_tree

    def validate_tree(layout, *args, **kwargs):
        calls.append(layout)
        return real(layout, *args, **kwargs)

    monkeypatch.setattr(corpus_module, "validate_tree", validate_tree)
    return calls


def test_unchanged_tree_is_validated_once(fixture_corpus: Layout, counted):
    first = load_corpus(fixture_corpus)
    second = load_corpus(fixture_corpus)
    assert len(counted) == 1
    assert first.articles == second.articles and first.annotations == second.annotations
    assert list(first.annotations) == list(second.annotations)


def test_a_changed_file_of_the_same_size_is_validated_again_and_refused(fixture_corpus: Layout, counted):
    load_corpus(fixture_corpus)
    path = sorted(fixture_corpus.annotations.glob("*/gold.json"))[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    data["topics"]["primary"] = "x" * len(data["topics"]["primary"])  # same byte count, not a label
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with pytest.raises(CorpusInvalid):
        load_corpus(fixture_corpus)
    assert len(counted) == 2


def test_an_added_stray_file_is_validated_again(fixture_corpus: Layout, counted):
    load_corpus(fixture_corpus)
    folder = sorted(p for p in fixture_corpus.annotations.iterdir() if p.is_dir())[0]
    (folder / "notes.txt").write_text("stray\n", encoding="utf-8")
    with pytest.raises(CorpusInvalid):
        load_corpus(fixture_corpus)
    assert len(counted) == 2


def test_cache_can_be_switched_off(fixture_corpus: Layout, counted, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_NO_CACHE", "1")
    load_corpus(fixture_corpus)
    load_corpus(fixture_corpus)
    assert len(counted) == 2
    assert not (fixture_corpus.root / ".cache").exists()


def test_cached_near_duplicates_equal_a_fresh_search(fixture_corpus: Layout, monkeypatch):
    corpus = load_corpus(fixture_corpus)
    fresh = splits.near_duplicates(corpus)
    monkeypatch.setattr(splits, "similar_pairs", lambda *a, **k: pytest.fail("the cached pairs were not used"))
    assert splits.near_duplicates(load_corpus(fixture_corpus)) == fresh
    unvalidated = load_corpus(fixture_corpus, validate=False)
    monkeypatch.undo()
    assert splits.near_duplicates(unvalidated) == fresh
