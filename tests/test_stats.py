"""Corpus statistics, coverage targets and the no-template check."""

from __future__ import annotations

from communique.corpus import load_corpus
from communique.markers import markers, replace_block
from communique.stats import corpus_statistics, most_similar_pair, render_markdown


def test_statistics_of_the_fixture_corpus(fixture_corpus):
    figures = corpus_statistics(load_corpus(fixture_corpus))
    assert figures["articles"] == 2 and figures["events"] == 2
    assert figures["stances"] == 5 and figures["stance_labels"] == {"cooperative": 2, "neutral": 1, "conflictual": 2}
    assert figures["genres"] == {"analysis": 1, "news": 1}
    assert figures["author_stances"] == 1
    assert figures["targets"]["original_articles"]["met"] is False
    assert figures["targets"]["polar_modes"]["met"] is False


def test_most_similar_pair_finds_a_template():
    base = "The foreign ministers met in the capital on Friday and agreed to deepen cooperation on maritime security"
    texts = {
        "a": base + " and trade.",
        "b": base.replace("Friday", "Monday") + " and trade.",
        "c": "An entirely different report about a missile launch over the sea of Japan early on Tuesday morning.",
    }
    similarity, first, second = most_similar_pair(texts)
    assert (first, second) == ("a", "b") and similarity > 0.2


def test_replace_block_replaces_only_the_generated_block():
    begin, end = markers("stats", "communique stats")
    document = f"intro\n{begin}\nold\n{end}\noutro\n"
    assert replace_block(document, "stats", "communique stats", "new") == f"intro\n{begin}\nnew\n{end}\noutro\n"


def test_markdown_lists_every_target(fixture_corpus):
    figures = corpus_statistics(load_corpus(fixture_corpus))
    markdown = render_markdown(figures)
    assert all(t["target"] in markdown for t in figures["targets"].values())
