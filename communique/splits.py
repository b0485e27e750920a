"""Split assignments: events to train/validation/test, grouped, stratified, stable, leak-checked.

The unit of assignment is the *event group*: an event together with every event one of whose
articles is a near-duplicate (:mod:`communique.similarity`) of one of its articles, so neither
a story cluster nor a rewrite of the same text can straddle two splits.

``random``
    Groups are placed by iterative stratification (Sechidis et al. 2011, applied to groups):
    labels are visited rarest first; each group carrying the label goes to a split that still
    lacks the label (or most of the group's labels) while that split has room under its share of
    articles, else to the one furthest below its share of the label, else furthest below its
    share of articles; the visiting order is a seeded shuffle. Topic labels count articles, stance
    labels count dyads. Target shares are 70/15/15 of articles.
``temporal``
    Cut-off dates are the 70% and 85% quantiles of the articles' publication dates; an event
    (dated by its first article) goes to train before the first cut-off, to validation before
    the second and to test from then on. The cut-offs are written into the split file and kept
    when articles are added, so new later events land in test.

Assignments are committed data (``corpus/splits/<scheme>.json``). A re-run keeps every existing
assignment and places only new events; ``--reassign`` recomputes everything, and any moved event
makes the next version a MAJOR one. ``--check`` reports unassigned events, stale split files and
near-duplicate article pairs across splits.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from communique import cache
from communique.corpus import CorpusIndex, CorpusInvalid, index_corpus, shingle_codes_of
from communique.jsonio import ReadFailure, read_json, write_json
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.similarity import NEAR_DUPLICATE_THRESHOLD, SHINGLE_WORDS, SimilarPair, similar_pairs_of_codes

SPLITS = ("train", "validation", "test")
SCHEMES = ("random", "temporal")
FRACTIONS = {"train": 0.70, "validation": 0.15, "test": 0.15}
DEFAULT_SEED = 13
NEAR_DUPLICATES = "near-duplicates.json"


@dataclass
class EventInfo:
    """What placement needs to know of one event: its size, date and label counts."""

    event: str
    articles: list[str] = field(default_factory=list)
    date: str = "9999-12-31"
    labels: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class SplitProblem:
    """A leakage or consistency finding, shown as ``file: json-path: message``."""

    file: str
    json_path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.json_path}: {self.message}"


# ------------------------------------------------------------------------------- inputs


def event_table(index: CorpusIndex) -> dict[str, EventInfo]:
    """Every event of the corpus with its articles, first publication date and gold label counts."""
    events: dict[str, EventInfo] = {}
    for article_id in index.ids():
        record = index.records[article_id]
        info = events.setdefault(record.event, EventInfo(record.event))
        info.articles.append(article_id)
        info.date = min(info.date, record.published)
        info.labels.update(record.labels)
    return dict(sorted(events.items()))


def event_groups(events: Mapping[str, EventInfo], pairs: Iterable[SimilarPair], event_of: Mapping[str, str]) -> list[list[str]]:
    """Events joined by near-duplicate article pairs (union-find), each group sorted, groups sorted."""
    parent = {event: event for event in events}

    def find(event: str) -> str:
        while parent[event] != event:
            parent[event] = parent[parent[event]]
            event = parent[event]
        return event

    for pair in pairs:
        a, b = find(event_of[pair.a]), find(event_of[pair.b])
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for event in events:
        groups.setdefault(find(event), []).append(event)
    return sorted(sorted(group) for group in groups.values())


# ---------------------------------------------------------------------------- placement


def stratified_assignment(
    events: Mapping[str, EventInfo],
    groups: list[list[str]],
    fixed: Mapping[str, str],
    seed: int,
    fractions: Mapping[str, float] = FRACTIONS,
) -> dict[str, str]:
    """Place every group without a fixed member by iterative stratification; keep ``fixed`` as is.

    A group with a fixed member follows it (the first fixed member in sorted order, if its members
    were already split apart: the leakage check reports that).
    """
    assignment = {event: split for event, split in fixed.items() if event in events}
    splits = list(fractions)
    label_totals: Counter = Counter()
    total_articles = 0
    for info in events.values():
        label_totals.update(info.labels)
        total_articles += len(info.articles)
    have_labels = {split: Counter() for split in splits}
    have_articles = Counter()

    def place(group: list[str], split: str) -> None:
        for event in group:
            assignment[event] = split
            have_labels[split].update(events[event].labels)
            have_articles[split] += len(events[event].articles)

    pending: list[tuple[list[str], Counter, int]] = []
    for group in groups:
        anchor = next((assignment[e] for e in group if e in assignment), None)
        if anchor is not None:
            for event in group:
                if event not in assignment:
                    assignment[event] = anchor
            for event in group:
                have_labels[assignment[event]].update(events[event].labels)
                have_articles[assignment[event]] += len(events[event].articles)
            continue
        labels: Counter = Counter()
        for event in group:
            labels.update(events[event].labels)
        pending.append((group, labels, sum(len(events[e].articles) for e in group)))

    random.Random(f"communique-split:{seed}").shuffle(pending)
    tiebreak = {split: index for index, split in enumerate(splits)}

    def choose(label: str | None, labels: Counter, size: int) -> str:
        def key(split: str) -> tuple:
            article_gap = fractions[split] * total_articles - have_articles[split]
            if label is None:
                return (article_gap, -tiebreak[split])
            room = have_articles[split] + size <= fractions[split] * total_articles + 0.5
            missing = room and have_labels[split][label] == 0
            also_missing = sum(1 for other in labels if room and have_labels[split][other] == 0)
            label_gap = fractions[split] * label_totals[label] - have_labels[split][label]
            return (missing, also_missing, label_gap, article_gap, -tiebreak[split])

        return max(splits, key=key)

    remaining = pending
    while remaining:
        present: Counter = Counter()
        for _, labels, _ in remaining:
            present.update(labels.keys())
        if not present:
            for group, labels, size in remaining:
                place(group, choose(None, labels, size))
            break
        rarest = min(present, key=lambda label: (present[label], label))
        rest = []
        for group, labels, size in remaining:
            if rarest in labels:
                place(group, choose(rarest, labels, size))
            else:
                rest.append((group, labels, size))
        remaining = rest
    return dict(sorted(assignment.items()))


def quantile_date(dates: list[str], q: float) -> str:
    """The date below which a fraction ``q`` of ``dates`` lies (lower empirical quantile)."""
    ordered = sorted(dates)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def temporal_cutoffs(events: Mapping[str, EventInfo], articles_published: list[str], fractions: Mapping[str, float] = FRACTIONS) -> dict[str, str]:
    """First dates of validation and test: the article-date quantiles at train and train+validation shares."""
    if not articles_published:
        return {}
    return {
        "validation": quantile_date(articles_published, fractions["train"]),
        "test": quantile_date(articles_published, fractions["train"] + fractions["validation"]),
    }


def temporal_split_of(date: str, cutoffs: Mapping[str, str]) -> str:
    """The split of an event dated ``date`` under ``cutoffs``."""
    order = [cutoffs["validation"], cutoffs["test"]]
    return SPLITS[bisect.bisect_right(order, date)]


def temporal_assignment(
    events: Mapping[str, EventInfo], groups: list[list[str]], fixed: Mapping[str, str], cutoffs: Mapping[str, str]
) -> dict[str, str]:
    """Place every group without a fixed member by the date of its earliest event; keep ``fixed``."""
    assignment = {event: split for event, split in fixed.items() if event in events}
    for group in groups:
        anchor = next((assignment[e] for e in group if e in assignment), None)
        split = anchor or temporal_split_of(min(events[e].date for e in group), cutoffs)
        for event in group:
            assignment.setdefault(event, split)
    return dict(sorted(assignment.items()))


def split_counts(events: Mapping[str, EventInfo], assignment: Mapping[str, str], taxonomy_topics: Iterable[str], stance_labels: Iterable[str]) -> dict[str, Any]:
    """Per split: events, articles, articles per topic label and dyads per stance label (zeros kept)."""
    topics, stances = list(taxonomy_topics), list(stance_labels)
    counts: dict[str, Any] = {}
    for split in SPLITS:
        members = [events[e] for e, s in assignment.items() if s == split and e in events]
        labels: Counter = Counter()
        for info in members:
            labels.update(info.labels)
        counts[split] = {
            "events": len(members),
            "articles": sum(len(info.articles) for info in members),
            "topics": {label: labels[f"topic:{label}"] for label in topics},
            "stance": {label: labels[f"stance:{label}"] for label in stances},
        }
    return counts


@dataclass
class SplitPlan:
    """The outcome of planning one scheme: the split document and what changed."""

    document: dict[str, Any]
    added: list[str]
    moved: list[tuple[str, str, str]]
    dropped: list[str]


def plan_split(
    index: CorpusIndex,
    scheme: str,
    previous: Mapping[str, Any] | None,
    seed: int | None,
    reassign: bool,
    pairs: list[SimilarPair] | None = None,
    events: Mapping[str, EventInfo] | None = None,
) -> SplitPlan:
    """The split document of ``scheme`` for the indexed corpus, keeping ``previous`` unless ``reassign``."""
    events = event_table(index) if events is None else events
    if pairs is None:
        pairs = near_duplicates(index)
    event_of = {article_id: record.event for article_id, record in index.records.items()}
    groups = event_groups(events, pairs, event_of)
    old_events: dict[str, str] = dict(previous["events"]) if previous else {}
    if seed is None:
        seed = previous["seed"] if previous else DEFAULT_SEED
    fixed = {} if reassign else old_events
    document: dict[str, Any] = {"scheme": scheme, "seed": seed, "fractions": dict(FRACTIONS)}
    if scheme == "random":
        assignment = stratified_assignment(events, groups, fixed, seed)
    else:
        published = [record.published for record in index.records.values()]
        cutoffs = dict(previous["cutoffs"]) if previous and not reassign and previous.get("cutoffs") else temporal_cutoffs(events, published)
        document["cutoffs"] = cutoffs
        document["cutoffs_rule"] = (
            "validation and test start at the 70% and 85% quantiles of article publication dates at the "
            "time the cut-offs were first computed; an event is dated by its earliest article"
        )
        assignment = temporal_assignment(events, groups, fixed, cutoffs) if cutoffs else {}
    document["events"] = assignment
    document["counts"] = split_counts(events, assignment, index.taxonomy.topics, index.taxonomy.stance_labels)
    added = sorted(e for e in assignment if e not in old_events)
    moved = sorted((e, old_events[e], s) for e, s in assignment.items() if e in old_events and old_events[e] != s)
    dropped = sorted(e for e in old_events if e not in events)
    return SplitPlan(document, added, moved, dropped)


def near_duplicates(index: CorpusIndex, threshold: float = NEAR_DUPLICATE_THRESHOLD) -> list[SimilarPair]:
    """Near-duplicate pairs among the committed article texts.

    The exact search is the costliest step of ``split`` and ``release``; on a validated corpus (where
    ``text_sha256`` is checked against every text) its result is cached under the set of
    ``(id, text_sha256)``, the threshold and the package source, so the second command reuses it.
    Shingle codes come from the index when it holds them, else from one more pass over the texts.
    """
    committed = [a_id for a_id in index.ids() if index.records[a_id].committed]
    digest = hashlib.sha256(f"{cache.package_digest()}\0{threshold!r}\0{SHINGLE_WORDS}\0".encode())
    for a_id in committed:
        digest.update(f"{a_id}\0{index.records[a_id].text_sha256}\n".encode())
    key = digest.hexdigest()
    if index.validated:
        stored = cache.read(index.layout, NEAR_DUPLICATES, key)
        if isinstance(stored, list):
            return [SimilarPair(a, b, similarity) for a, b, similarity in stored]
    codes = index.codes if index.codes is not None else shingle_codes_of(index.layout)
    pairs = similar_pairs_of_codes(committed, [codes[a_id] for a_id in committed], threshold)
    if index.validated:
        cache.write(index.layout, NEAR_DUPLICATES, key, [[p.a, p.b, p.similarity] for p in pairs])
    return pairs


# ------------------------------------------------------------------------------- checks


def article_splits(index: CorpusIndex, document: Mapping[str, Any]) -> dict[str, str]:
    """Article id to split under a split document (articles of unassigned events left out)."""
    events = document["events"]
    return {a_id: events[record.event] for a_id, record in index.records.items() if record.event in events}


def check_split(
    index: CorpusIndex, document: Mapping[str, Any], file: str, pairs: list[SimilarPair], events: Mapping[str, EventInfo] | None = None
) -> list[SplitProblem]:
    """Leakage and staleness of one split document against the corpus."""
    problems: list[SplitProblem] = []
    events = event_table(index) if events is None else events
    for event in events:
        if event not in document["events"]:
            problems.append(SplitProblem(file, f"$.events.{event}", "event has no split; run `communique split`"))
    for event, split in document["events"].items():
        if split not in SPLITS:
            problems.append(SplitProblem(file, f"$.events.{event}", f"unknown split {split!r}; expected one of {', '.join(SPLITS)}"))
    placed = article_splits(index, document)
    by_event: dict[str, set[str]] = {}
    for article_id, split in placed.items():
        by_event.setdefault(index.records[article_id].event, set()).add(split)
    for event, found in sorted(by_event.items()):
        if len(found) > 1:
            problems.append(SplitProblem(file, f"$.events.{event}", f"event spans splits {', '.join(sorted(found))}"))
    for pair in pairs:
        if pair.a in placed and pair.b in placed and placed[pair.a] != placed[pair.b]:
            problems.append(
                SplitProblem(
                    file,
                    f"$.events.{index.records[pair.b].event}",
                    f"near-duplicate articles across splits: {pair.a} ({placed[pair.a]}) and {pair.b} ({placed[pair.b]}), "
                    f"5-gram Jaccard {pair.similarity:.3f} >= {NEAR_DUPLICATE_THRESHOLD}",
                )
            )
    expected = split_counts(events, document["events"], index.taxonomy.topics, index.taxonomy.stance_labels)
    if not problems and document.get("counts") != expected:
        problems.append(SplitProblem(file, "$.counts", "counts are stale; run `communique split` to regenerate them"))
    return problems


def read_split_file(layout: Layout, scheme: str) -> dict[str, Any] | None | SplitProblem:
    """The committed split document of ``scheme``: None when absent, a problem when unreadable."""
    path = layout.splits / f"{scheme}.json"
    if not path.exists():
        return None
    data = read_json(path)
    file = layout.relative(path)
    if isinstance(data, ReadFailure):
        return SplitProblem(file, "$", data.message)
    if not isinstance(data, dict) or data.get("scheme") != scheme or not isinstance(data.get("events"), dict) or not isinstance(data.get("seed"), int):
        return SplitProblem(file, "$", f"not a split file: expected an object with scheme {scheme!r}, an integer seed and an events object")
    if scheme == "temporal" and data["events"] and not isinstance(data.get("cutoffs"), dict):
        return SplitProblem(file, "$.cutoffs", "a temporal split file needs its cut-off dates")
    return data


def leakage_problems(index: CorpusIndex, schemes: Iterable[str] = SCHEMES) -> list[SplitProblem]:
    """Every leakage or staleness problem of the committed split files; missing files are problems."""
    problems: list[SplitProblem] = []
    documents: dict[str, Mapping[str, Any]] = {}
    for scheme in schemes:
        document = read_split_file(index.layout, scheme)
        if isinstance(document, SplitProblem):
            problems.append(document)
        elif document is None:
            problems.append(SplitProblem(index.layout.relative(index.layout.splits / f"{scheme}.json"), "$", "split file missing; run `communique split`"))
        else:
            documents[scheme] = document
    return problems + documents_problems(index, documents)


def documents_problems(index: CorpusIndex, documents: Mapping[str, Mapping[str, Any]]) -> list[SplitProblem]:
    """Leakage and staleness of split documents already read, by scheme."""
    if not documents:
        return []
    pairs = near_duplicates(index)
    events = event_table(index)
    return [problem for scheme, document in documents.items()
            for problem in check_split(index, document, index.layout.relative(index.layout.splits / f"{scheme}.json"), pairs, events)]


# ---------------------------------------------------------------------------------- CLI


def format_counts(scheme: str, counts: Mapping[str, Any]) -> str:
    """A plain-text table of per-split counts for the terminal."""
    rows = [["", *SPLITS], ["events", *(str(counts[s]["events"]) for s in SPLITS)], ["articles", *(str(counts[s]["articles"]) for s in SPLITS)]]
    for layer in ("topics", "stance"):
        for label in counts["train"][layer]:
            rows.append([f"{layer}:{label}", *(str(counts[s][layer][label]) for s in SPLITS)])
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [f"scheme {scheme}"] + ["  " + "  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="communique split",
        description="Assign events to train/validation/test (corpus/splits/<scheme>.json), keeping every existing "
        "assignment, or check the committed splits for leakage.",
    )
    parser.add_argument("--scheme", choices=[*SCHEMES, "all"], default="all", help="which split file to write or check (default: all)")
    parser.add_argument("--seed", type=int, default=None, help=f"seed of a new split file (default: the file's, else {DEFAULT_SEED})")
    parser.add_argument("--reassign", action="store_true", help="recompute every assignment; moving an event is a MAJOR version change")
    parser.add_argument("--check", action="store_true", help="check the committed splits: unassigned events, cross-split events and near-duplicates")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    schemes = SCHEMES if args.scheme == "all" else (args.scheme,)
    try:
        index = index_corpus(layout)
    except CorpusInvalid as error:
        print(f"{error}\nthe corpus does not validate; nothing was written", file=sys.stderr)
        return 1
    if args.check:
        problems = leakage_problems(index, schemes)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{len(problems)} split problem(s)", file=sys.stderr)
            return 1
        print(f"splits OK: {', '.join(schemes)} (no event or near-duplicate across splits)")
        return 0
    previous: dict[str, Any] = {}
    for scheme in schemes:
        document = read_split_file(layout, scheme)
        if isinstance(document, SplitProblem):
            print(f"{document}\nfix or delete the file (deleting it reassigns everything: a MAJOR version); nothing was written", file=sys.stderr)
            return 1
        if document is not None and args.seed is not None and args.seed != document["seed"] and not args.reassign:
            print(f"{layout.relative(layout.splits / f'{scheme}.json')}: $.seed: the file was made with seed {document['seed']}; "
                  "a different seed needs --reassign (a MAJOR version); nothing was written", file=sys.stderr)
            return 1
        previous[scheme] = document
    pairs = near_duplicates(index)
    events = event_table(index)
    plans = {scheme: plan_split(index, scheme, previous[scheme], args.seed, args.reassign, pairs, events) for scheme in schemes}
    for scheme, plan in plans.items():
        write_json(layout.splits / f"{scheme}.json", plan.document)
    for scheme, plan in plans.items():
        print(format_counts(scheme, plan.document["counts"]))
        print(f"  {len(plan.added)} new event(s) placed, {len(plan.dropped)} event(s) no longer in the corpus dropped")
        if plan.moved:
            print(f"  MAJOR version: {len(plan.moved)} existing event(s) moved to another split:")
            for event, old, new in plan.moved:
                print(f"    {event}: {old} -> {new}")
        missing = [f"{layer}:{label}" for layer in ("topics", "stance") for label in plan.document["counts"]["train"][layer]
                   if any(plan.document["counts"][s][layer][label] == 0 for s in SPLITS)
                   and sum(plan.document["counts"][s][layer][label] for s in SPLITS) > 0]
        if missing:
            print(f"  labels absent from some split: {', '.join(missing)}")
    problems = [p for scheme, plan in plans.items() for p in check_split(index, plan.document, layout.relative(layout.splits / f"{scheme}.json"), pairs, events)]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0
