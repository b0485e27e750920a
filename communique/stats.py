"""Corpus statistics and coverage targets, generated into DATASHEET.md and corpus/stats/.

Every count the datasheet shows comes from here, computed from the gold annotations and the
article records; nothing is typed by hand. The no-template check lives here too: the largest
word 5-gram Jaccard similarity between any two original articles, which must stay below 0.2.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from communique.corpus import Corpus, CorpusInvalid, load_corpus
from communique.jsonio import dumps, write_or_check
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.markers import replace_block
from communique.similarity import NEAR_DUPLICATE_THRESHOLD, jaccard, shingles
from communique.text import word_count

BLOCK, COMMAND = "stats", "communique stats"

TARGETS = {
    "original_articles": ("≥ 150 original articles", lambda s: s["original_articles"] >= 150),
    "events": ("≥ 60 events", lambda s: s["events"] >= 60),
    "topic_min_articles": ("every topic label on ≥ 12 articles", lambda s: s["topic_min_articles"] >= 12),
    "stances": ("≥ 400 stance relations", lambda s: s["stances"] >= 400),
    "cooperative_share": ("cooperative ≥ 25 %", lambda s: s["cooperative_share"] >= 0.25),
    "conflictual_share": ("conflictual ≥ 25 %", lambda s: s["conflictual_share"] >= 0.25),
    "neutral_share": ("neutral ≥ 8 %", lambda s: s["neutral_share"] >= 0.08),
    "polar_modes": ("both modes for both polar labels", lambda s: s["polar_modes"]),
    "genre_min_articles": ("every genre on ≥ 8 articles", lambda s: s["genre_min_articles"] >= 8),
    "year_max_share": ("no year above 20 % of articles", lambda s: s["year_max_share"] <= 0.20),
    "year_span": ("events from 2014 to 2025", lambda s: s["year_first"] <= 2014 and s["year_last"] >= 2025),
    "actors_in_two_articles": ("≥ 40 actors annotated in ≥ 2 articles", lambda s: s["actors_in_two_articles"] >= 40),
    "multi_perspective_events": ("≥ 20 events told from ≥ 2 datelines", lambda s: s["multi_perspective_events"] >= 20),
    "double_annotated_share": ("≥ 33 % of articles annotated twice", lambda s: s["double_annotated_share"] >= 0.33),
    "max_similarity": (f"no article pair at or above {NEAR_DUPLICATE_THRESHOLD} 5-gram Jaccard", lambda s: s["max_similarity"] < NEAR_DUPLICATE_THRESHOLD),
    "gold_complete": ("gold for every article", lambda s: s["articles_without_gold"] == 0),
}


def most_similar_pair(texts: dict[str, str]) -> tuple[float, str | None, str | None]:
    """The largest word 5-gram Jaccard similarity between any two texts, and the pair."""
    sets = {article_id: shingles(text) for article_id, text in sorted(texts.items())}
    best: tuple[float, str | None, str | None] = (0.0, None, None)
    for (a, sa), (b, sb) in itertools.combinations(sets.items(), 2):
        similarity = jaccard(sa, sb)
        if similarity > best[0]:
            best = (similarity, a, b)
    return best


def corpus_statistics(corpus: Corpus) -> dict[str, Any]:
    """Counts, distributions and coverage figures of the corpus."""
    articles = corpus.articles
    originals = {i: a for i, a in articles.items() if a["source"]["kind"] == "original"}
    gold = {i: corpus.gold(i) for i in corpus.ids() if corpus.gold(i) is not None}
    genres = Counter(a["genre"] for a in articles.values())
    years = Counter(int(a["published"][:4]) for a in articles.values())
    lengths = [word_count(a["text"]) for a in articles.values() if a.get("text")]
    topics = Counter(label for g in gold.values() for label in g["topics"]["labels"])
    primaries = Counter(g["topics"]["primary"] for g in gold.values())
    stance_rows = [s for g in gold.values() for s in g["stances"]]
    labels = Counter(s["label"] for s in stance_rows)
    label_modes = Counter(f"{s['label']}/{s['mode']}" for s in stance_rows)
    event_types = Counter(s.get("event_type", "(none)") for s in stance_rows)
    actor_articles = Counter(a["actor"] for g in gold.values() for a in g["actors"])
    actor_types = Counter(corpus.registry.type(actor) for actor in actor_articles)
    datelines_by_event: dict[str, set[str]] = {}
    for a in articles.values():
        datelines_by_event.setdefault(a["event"], set()).add(a["dateline"].strip().upper())
    raw_counts = {i: len(corpus.raw_annotations(i)) for i in corpus.ids()}
    similarity, pair_a, pair_b = most_similar_pair({i: a["text"] for i, a in originals.items()})
    total_stances = len(stance_rows) or 1
    total_articles = len(articles) or 1
    figures: dict[str, Any] = {
        "version": corpus.version,
        "articles": len(articles),
        "original_articles": len(originals),
        "external_articles": len(articles) - len(originals),
        "events": len(datelines_by_event),
        "gold_annotations": len(gold),
        "articles_without_gold": len(articles) - len(gold),
        "raw_annotations": sum(raw_counts.values()),
        "annotators": sorted({name for i in corpus.ids() for name in corpus.raw_annotations(i)}),
        "double_annotated_articles": sum(1 for c in raw_counts.values() if c >= 2),
        "double_annotated_share": sum(1 for c in raw_counts.values() if c >= 2) / total_articles,
        "genres": dict(sorted(genres.items())),
        "genre_min_articles": min((genres.get(g, 0) for g in corpus.taxonomy.genres), default=0),
        "years": {str(y): n for y, n in sorted(years.items())},
        "year_first": min(years, default=0),
        "year_last": max(years, default=0),
        "year_max_share": max(years.values(), default=0) / total_articles,
        "words_min": min(lengths, default=0),
        "words_median": statistics.median(lengths) if lengths else 0,
        "words_max": max(lengths, default=0),
        "words_total": sum(lengths),
        "topics": {t: topics.get(t, 0) for t in corpus.taxonomy.topics},
        "topic_primary": {t: primaries.get(t, 0) for t in corpus.taxonomy.topics},
        "topic_min_articles": min((topics.get(t, 0) for t in corpus.taxonomy.topics), default=0),
        "stances": len(stance_rows),
        "stance_labels": {label: labels.get(label, 0) for label in corpus.taxonomy.stance_labels},
        "stance_label_modes": dict(sorted(label_modes.items())),
        "event_types": dict(sorted(event_types.items())),
        "cooperative_share": labels.get("cooperative", 0) / total_stances,
        "conflictual_share": labels.get("conflictual", 0) / total_stances,
        "neutral_share": labels.get("neutral", 0) / total_stances,
        "polar_modes": all(label_modes.get(f"{l}/{m}", 0) > 0 for l in ("cooperative", "conflictual") for m in ("verbal", "material")),
        "author_stances": sum(1 for s in stance_rows if s["source"] == "@author"),
        "actors_annotated": len(actor_articles),
        "actors_in_two_articles": sum(1 for n in actor_articles.values() if n >= 2),
        "annotated_actor_types": dict(sorted(actor_types.items())),
        "registry_actors": len(corpus.registry),
        "mentions": sum(len(a["mentions"]) for g in gold.values() for a in g["actors"]),
        "multi_perspective_events": sum(1 for d in datelines_by_event.values() if len(d) >= 2),
        "datelines": dict(sorted(Counter(a["dateline"].strip().upper() for a in articles.values()).items(), key=lambda kv: (-kv[1], kv[0]))),
        "max_similarity": round(similarity, 4),
        "max_similarity_pair": [pair_a, pair_b],
    }
    figures["targets"] = {key: {"target": text, "met": bool(check(figures))} for key, (text, check) in TARGETS.items()}
    return figures


def _table(header: tuple[str, str], rows: dict[str, Any]) -> list[str]:
    return [f"| {header[0]} | {header[1]} |", "| --- | ---: |", *[f"| {k} | {v} |" for k, v in rows.items()], ""]


def render_markdown(s: dict[str, Any]) -> str:
    """The statistics as the Markdown block embedded in DATASHEET.md."""
    pct = lambda x: f"{100 * x:.1f} %"  # noqa: E731
    lines = [
        f"Corpus version {s['version']}: {s['articles']} articles ({s['original_articles']} original, {s['external_articles']} external) "
        f"in {s['events']} events; {s['gold_annotations']} gold annotations; {s['raw_annotations']} raw annotations by "
        f"{len(s['annotators'])} annotators; {s['double_annotated_articles']} articles ({pct(s['double_annotated_share'])}) annotated twice independently.",
        "",
        f"Length: {s['words_min']}–{s['words_max']} words (median {s['words_median']}), {s['words_total']:,} words in all. "
        f"{s['stances']} stance relations, {s['mentions']} actor mentions of {s['actors_annotated']} distinct actors "
        f"({s['actors_in_two_articles']} in two or more articles; the registry holds {s['registry_actors']}). "
        f"Largest word 5-gram Jaccard similarity between two original articles: {s['max_similarity']} "
        f"({' / '.join(filter(None, s['max_similarity_pair'])) or 'n/a'}).",
        "",
        "**Coverage targets**",
        "",
        "| target | met |",
        "| --- | :---: |",
        *[f"| {t['target']} | {'yes' if t['met'] else '**no**'} |" for t in s["targets"].values()],
        "",
        "**Genres**",
        "",
        *_table(("genre", "articles"), s["genres"]),
        "**Years (publication)**",
        "",
        *_table(("year", "articles"), s["years"]),
        "**Topics (gold)**",
        "",
        "| topic | articles | primary |",
        "| --- | ---: | ---: |",
        *[f"| {t} | {n} | {s['topic_primary'][t]} |" for t, n in s["topics"].items()],
        "",
        "**Stance relations (gold)**",
        "",
        *_table(("label / mode", "relations"), s["stance_label_modes"]),
        *_table(("PLOVER event type", "relations"), s["event_types"]),
        "**Annotated actors by type**",
        "",
        *_table(("type", "actors"), s["annotated_actor_types"]),
        "**Datelines**",
        "",
        *_table(("dateline", "articles"), s["datelines"]),
    ]
    return "\n".join(lines)


def output_files(layout: Layout, figures: dict[str, Any]) -> dict[Path, str]:
    datasheet = layout.root / "DATASHEET.md"
    return {
        layout.corpus / "stats" / "stats.json": dumps(figures),
        datasheet: replace_block(datasheet.read_text(encoding="utf-8"), BLOCK, COMMAND, render_markdown(figures)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique stats", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    parser.add_argument("--check", action="store_true", help="fail if the committed statistics are not what the corpus gives")
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    try:
        figures = corpus_statistics(load_corpus(layout))
        files = output_files(layout, figures)
    except CorpusInvalid as invalid:
        print(f"{invalid}\nstatistics not computed: the corpus does not validate", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"{layout.relative(layout.root / 'DATASHEET.md')}: $: {error}", file=sys.stderr)
        return 1
    status = write_or_check(files, args.check, "statistics", "communique stats", layout.relative)
    if not args.check:
        print(render_markdown(figures))
    return status
