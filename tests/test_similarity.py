"""Near-duplicate detection: the exact all-pairs search agrees with brute force."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from communique.similarity import SimilarPair, jaccard, shingles, similar_pairs, text_jaccard


def test_shingles_are_lowercased_word_5grams():
    assert shingles("A b, c d E f") == {("a", "b", "c", "d", "e"), ("b", "c", "d", "e", "f")}
    assert shingles("too short") == {("too", "short")}
    assert shingles("") == set()


def test_jaccard_edges():
    assert jaccard(set(), set()) == 0.0
    assert jaccard({1, 2}, {2, 3}) == 1 / 3
    assert text_jaccard("one two three four five six", "one two three four five six") == 1.0


def test_finds_a_rewrite_and_not_an_unrelated_text():
    base = "the foreign ministers met in vientiane and agreed to deepen security and economic cooperation " * 3
    texts = {"a": base, "b": base + " officials said on friday", "c": "an unrelated story about tariffs on steel and aluminium imports"}
    pairs = similar_pairs(texts)
    assert [(p.a, p.b) for p in pairs] == [("a", "b")]
    assert pairs[0].similarity >= 0.2


words = st.sampled_from("a b c d e f".split())
documents = st.dictionaries(st.text("xyz", min_size=1, max_size=3), st.lists(words, max_size=18).map(" ".join), max_size=9)


@settings(max_examples=150, deadline=None)
@given(documents, st.sampled_from([0.05, 0.2, 0.5, 1.0]))
def test_agrees_with_brute_force(texts, threshold):
    expected = [
        SimilarPair(a, b, text_jaccard(texts[a], texts[b]))
        for a, b in itertools.combinations(sorted(texts), 2)
        if text_jaccard(texts[a], texts[b]) >= threshold
    ]
    assert similar_pairs(texts, threshold) == expected
