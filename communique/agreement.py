"""Inter-annotator agreement on doubly annotated articles, per annotation layer.

Chance-corrected agreement is Krippendorff's alpha (nominal; the ``krippendorff`` package):
per topic label and pooled over labels, on the primary topic, on the stance label, mode and quad
class of dyads both annotators marked, and on the salience of actors both annotated. Set and span
agreement is F1 between annotators (one taken as reference; F1 is symmetric): actor sets, mention
spans (exact and overlap), dyad sets. The same numbers, in the benchmark's own metrics, are the
human ceiling on the leaderboard.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

from communique.corpus import Corpus, CorpusInvalid, load_corpus
from communique.jsonio import dumps, write_or_check
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.metrics import multilabel_scores, prf_from_counts, span_counts

ALPHA_THRESHOLD = 0.67
AUTHOR = "@author"


def annotation_pairs(corpus: Corpus, only: set[str] | None = None) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every (article, annotation, annotation) pair of independent raw annotations of one article."""
    pairs = []
    for article_id in corpus.ids():
        if only is not None and article_id not in only:
            continue
        raw = corpus.raw_annotations(article_id)
        for first, second in itertools.combinations(sorted(raw), 2):
            pairs.append((article_id, raw[first], raw[second]))
    return pairs


def nominal_alpha(units: list[dict[str, str]]) -> float | None:
    """Krippendorff's nominal alpha over units, each a mapping annotator -> value.

    None when it is undefined: no pairable unit, or a single value throughout.
    """
    raters = sorted({rater for unit in units for rater in unit})
    values = sorted({value for unit in units for value in unit.values()})
    if len(values) < 2 or not any(len(unit) >= 2 for unit in units):
        return None
    code = {value: index for index, value in enumerate(values)}
    matrix = np.full((len(raters), len(units)), np.nan)
    for column, unit in enumerate(units):
        for rater, value in unit.items():
            matrix[raters.index(rater), column] = code[value]
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


def _stance_map(annotation: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(s["source"], s["target"]): s for s in annotation["stances"]}


def _actor_map(annotation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["actor"]: a for a in annotation["actors"]}


def compute_agreement(corpus: Corpus, only: set[str] | None = None) -> dict[str, Any]:
    """Every agreement figure over the doubly annotated articles of ``corpus`` (or of ``only``)."""
    taxonomy = corpus.taxonomy
    pairs = annotation_pairs(corpus, only)
    topic_units: dict[str, list[dict[str, str]]] = {label: [] for label in taxonomy.topics}
    primary_units, label_units, mode_units, quad_units, salience_units = [], [], [], [], []
    stance_a, stance_b = [], []
    topics_a, topics_b, actors_a, actors_b, dyads_a, dyads_b = [], [], [], [], [], []
    mention_exact = np.zeros(3, dtype=int)
    mention_overlap = np.zeros(3, dtype=int)
    for article_id, first, second in pairs:
        names = (first["annotator"], second["annotator"])
        for label in taxonomy.topics:
            topic_units[label].append({n: str(label in a["topics"]["labels"]) for n, a in zip(names, (first, second))})
        primary_units.append({n: a["topics"]["primary"] for n, a in zip(names, (first, second))})
        topics_a.append(first["topics"]["labels"])
        topics_b.append(second["topics"]["labels"])
        actor_maps = _actor_map(first), _actor_map(second)
        actors_a.append(sorted(actor_maps[0]))
        actors_b.append(sorted(actor_maps[1]))
        for actor in sorted(actor_maps[0].keys() & actor_maps[1].keys()):
            salience_units.append({n: m[actor]["salience"] for n, m in zip(names, actor_maps)})
        spans = [
            [(m["start"], m["end"], entry["actor"]) for entry in annotation["actors"] for m in entry["mentions"]]
            for annotation in (first, second)
        ]
        mention_exact += span_counts(spans[0], spans[1])
        mention_overlap += span_counts(spans[0], spans[1], overlap=True)
        stance_maps = _stance_map(first), _stance_map(second)
        dyads_a.append([f"{s}->{t}" for s, t in stance_maps[0]])
        dyads_b.append([f"{s}->{t}" for s, t in stance_maps[1]])
        for dyad in sorted(stance_maps[0].keys() & stance_maps[1].keys()):
            one, two = stance_maps[0][dyad], stance_maps[1][dyad]
            label_units.append({names[0]: one["label"], names[1]: two["label"]})
            mode_units.append({names[0]: one["mode"], names[1]: two["mode"]})
            quad_units.append({n: taxonomy.quad_class(s["label"], s["mode"]) for n, s in zip(names, (one, two))})
            stance_a.append(one["label"])
            stance_b.append(two["label"])

    per_label_alpha = {label: nominal_alpha(units) for label, units in topic_units.items()}
    pooled_units = [unit for units in topic_units.values() for unit in units]
    topic_scores = multilabel_scores(topics_a, topics_b, taxonomy.topics) if pairs else None
    actor_scores = multilabel_scores(actors_a, actors_b) if pairs else None
    dyad_scores = multilabel_scores(dyads_a, dyads_b) if pairs else None
    stance_labels = list(taxonomy.stance_labels)
    layers = {
        "topics_pooled": nominal_alpha(pooled_units),
        "topic_primary": nominal_alpha(primary_units),
        "stance_label": nominal_alpha(label_units),
        "stance_mode": nominal_alpha(mode_units),
        "stance_quad_class": nominal_alpha(quad_units),
        "salience": nominal_alpha(salience_units),
    }
    return {
        "articles_double_annotated": len({p[0] for p in pairs}),
        "annotation_pairs": len(pairs),
        "annotators": sorted({a["annotator"] for _, x, y in pairs for a in (x, y)}),
        "alpha_threshold": ALPHA_THRESHOLD,
        "alpha": layers,
        "alpha_per_topic": per_label_alpha,
        "units": {
            "topic_labels": len(pooled_units),
            "shared_dyads": len(label_units),
            "shared_actors": len(salience_units),
        },
        "stance_cohen_kappa": float(cohen_kappa_score(stance_a, stance_b, labels=stance_labels)) if len(set(stance_a + stance_b)) > 1 else None,
        "stance_macro_f1_on_shared_dyads": float(f1_score(stance_a, stance_b, labels=sorted(set(stance_a) | set(stance_b)), average="macro", zero_division=0)) if stance_a else None,
        "stance_accuracy_on_shared_dyads": float(np.mean([a == b for a, b in zip(stance_a, stance_b)])) if stance_a else None,
        "topics_micro_f1": topic_scores["micro_f1"] if topic_scores else None,
        "topics_macro_f1": topic_scores["macro_f1"] if topic_scores else None,
        "actor_set_micro_f1": actor_scores["micro_f1"] if actor_scores else None,
        "dyad_set_micro_f1": dyad_scores["micro_f1"] if dyad_scores else None,
        "mention_exact": prf_from_counts(*map(int, mention_exact)).as_dict(),
        "mention_overlap": prf_from_counts(*map(int, mention_overlap)).as_dict(),
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def render_markdown(report: dict[str, Any]) -> str:
    """The agreement report as Markdown, generated from the JSON figures."""
    threshold = report["alpha_threshold"]
    flag = lambda value: "" if value is None or value >= threshold else f" (below {threshold})"  # noqa: E731
    lines = [
        "<!-- generated by `communique agreement`; do not edit -->",
        "# Inter-annotator agreement",
        "",
        f"{report['articles_double_annotated']} articles annotated independently by two annotators "
        f"({report['annotation_pairs']} pairs; annotators: {', '.join(report['annotators']) or 'none'}).",
        "",
        "## Krippendorff's alpha (nominal)",
        "",
        "| layer | alpha | units |",
        "| --- | ---: | ---: |",
    ]
    units = {"topics_pooled": report["units"]["topic_labels"], "topic_primary": report["articles_double_annotated"],
             "stance_label": report["units"]["shared_dyads"], "stance_mode": report["units"]["shared_dyads"],
             "stance_quad_class": report["units"]["shared_dyads"], "salience": report["units"]["shared_actors"]}
    for layer, value in report["alpha"].items():
        lines.append(f"| {layer.replace('_', ' ')} | {_fmt(value)}{flag(value)} | {units[layer]} |")
    lines += ["", "### Per topic label (binary)", "", "| topic | alpha |", "| --- | ---: |"]
    for label, value in report["alpha_per_topic"].items():
        lines.append(f"| {label} | {_fmt(value)}{flag(value)} |")
    mention_exact, mention_overlap = report["mention_exact"], report["mention_overlap"]
    lines += [
        "",
        "## Set and span agreement (F1 between annotators)",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| topic labels, micro F1 | {_fmt(report['topics_micro_f1'])} |",
        f"| topic labels, macro F1 | {_fmt(report['topics_macro_f1'])} |",
        f"| actor sets, micro F1 | {_fmt(report['actor_set_micro_f1'])} |",
        f"| mention spans, exact F1 | {_fmt(mention_exact['f1'])} |",
        f"| mention spans, overlap F1 | {_fmt(mention_overlap['f1'])} |",
        f"| dyad sets, micro F1 | {_fmt(report['dyad_set_micro_f1'])} |",
        f"| stance label on shared dyads, macro F1 | {_fmt(report['stance_macro_f1_on_shared_dyads'])} |",
        f"| stance label on shared dyads, accuracy | {_fmt(report['stance_accuracy_on_shared_dyads'])} |",
        f"| stance label on shared dyads, Cohen's kappa | {_fmt(report['stance_cohen_kappa'])} |",
        "",
    ]
    return "\n".join(lines)


def report_files(layout: Layout, report: dict[str, Any]) -> dict[Path, str]:
    folder = layout.corpus / "agreement"
    return {folder / "agreement.json": dumps(report), folder / "AGREEMENT.md": render_markdown(report)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique agreement", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    parser.add_argument("--check", action="store_true", help="fail if the committed report is not what the annotations give")
    parser.add_argument("--articles", nargs="+", help="only these articles: print the report, write nothing (e.g. to compare your annotation with an existing one)")
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    try:
        corpus = load_corpus(layout)
    except CorpusInvalid as invalid:
        print(f"{invalid}\nagreement not computed: the corpus does not validate", file=sys.stderr)
        return 1
    if args.articles:
        unknown = sorted(set(args.articles) - set(corpus.articles))
        if unknown:
            print(f"{layout.relative(layout.articles)}: $: no such article(s): {', '.join(unknown)}", file=sys.stderr)
            return 1
        print(render_markdown(compute_agreement(corpus, set(args.articles))))
        return 0
    report = compute_agreement(corpus)
    files = report_files(layout, report)
    status = write_or_check(files, args.check, "agreement report", "communique agreement", layout.relative)
    if not args.check:
        print(render_markdown(report))
    return status

