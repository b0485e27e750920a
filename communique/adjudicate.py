"""Adjudication: from the raw annotations of an article to its gold annotation.

A singly annotated article is promoted to gold as it is. For a doubly (or more) annotated
article, items all annotators agree on are kept; every disagreement becomes an item in
``corpus/adjudication/<article>.json`` with each annotator's option and an empty ``choice``.
The adjudicator fills the choices (and reasons); the next run builds gold from the agreed items
and the decisions, and records the decisions in the gold file. Gold is derived data: rebuilding
from the same raw files and decisions gives the same bytes, and ``--check`` proves the committed
gold is what they give.

Mentions of kept actors are merged by rule, not by decision: the union of all annotators'
mentions, the longer span kept where two overlap. Evidence spans of kept stances are merged the
same way. A span that annotators gave to different actors is a decision.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from communique.corpus import Corpus, load_corpus
from communique.jsonio import ReadFailure, dumps, read_json, stale_files, write_or_check
from communique.layout import DEFAULT_LAYOUT, GOLD, Layout
from communique.validate import check_annotation

INCLUDE, EXCLUDE = "include", "exclude"


def _merge_spans(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Union of spans; where two overlap the longer is kept (then the earlier)."""
    kept: list[dict[str, Any]] = []
    for span in sorted({(s["start"], s["end"], s["text"]) for s in spans}, key=lambda s: (-(s[1] - s[0]), s[0])):
        if all(span[1] <= k["start"] or k["end"] <= span[0] for k in kept):
            kept.append({"start": span[0], "end": span[1], "text": span[2]})
    return sorted(kept, key=lambda s: (s["start"], s["end"]))


def _drop_nested_mentions(actors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resolve overlaps between different actors' mentions: the longer span wins (guidelines M3).

    One annotator's "Seoul's Unification Ministry" and the other's "Seoul" inside it are both
    kept by the per-actor union; only the agency's longer name survives here. An actor left
    without mentions is dropped.
    """
    spans = sorted(
        ((m["end"] - m["start"], m["start"], entry["actor"]) for entry in actors for m in entry["mentions"]),
        key=lambda s: (-s[0], s[1], s[2]),
    )
    kept: set[tuple[int, str]] = set()
    occupied: list[tuple[int, int]] = []
    for length, start, actor in spans:
        if all(start + length <= a or b <= start for a, b in occupied):
            occupied.append((start, start + length))
            kept.add((start, actor))
    result = []
    for entry in actors:
        mentions = [m for m in entry["mentions"] if (m["start"], entry["actor"]) in kept]
        if mentions:
            result.append({**entry, "mentions": mentions})
    return result


def _stance_summary(stance: dict[str, Any]) -> str:
    return "/".join([stance["label"], stance["mode"], stance.get("event_type", "-")])


def disagreements(sources: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The items annotators disagree on, each with every annotator's option, in a stable order."""
    names = sorted(sources)
    items: list[dict[str, Any]] = []

    def presence(key: str, have: set[str]) -> None:
        if 0 < len(have) < len(names):
            items.append({"item": key, "options": {n: INCLUDE if n in have else EXCLUDE for n in names}})

    all_labels = sorted({label for a in sources.values() for label in a["topics"]["labels"]})
    for label in all_labels:
        presence(f"topics.labels:{label}", {n for n in names if label in sources[n]["topics"]["labels"]})
    primaries = {n: sources[n]["topics"]["primary"] for n in names}
    if len(set(primaries.values())) > 1:
        items.append({"item": "topics.primary", "options": primaries})

    actor_maps = {n: {a["actor"]: a for a in sources[n]["actors"]} for n in names}
    for actor in sorted(set().union(*actor_maps.values())):
        have = {n for n in names if actor in actor_maps[n]}
        presence(f"actors:{actor}", have)
        saliences = {n: actor_maps[n][actor]["salience"] for n in sorted(have)}
        if len(set(saliences.values())) > 1:
            items.append({"item": f"actors:{actor}.salience", "options": saliences})
    owners: dict[tuple[int, int], dict[str, str]] = {}
    for n in names:
        for entry in sources[n]["actors"]:
            for mention in entry["mentions"]:
                owners.setdefault((mention["start"], mention["end"]), {})[n] = entry["actor"]
    for (start, end), by_annotator in sorted(owners.items()):
        if len(set(by_annotator.values())) > 1:
            items.append({"item": f"mentions:{start}-{end}", "options": by_annotator})

    stance_maps = {n: {(s["source"], s["target"]): s for s in sources[n]["stances"]} for n in names}
    for pair in sorted(set().union(*stance_maps.values())):
        key = f"stances:{pair[0]}->{pair[1]}"
        have = {n for n in names if pair in stance_maps[n]}
        presence(key, have)
        versions = {n: _stance_summary(stance_maps[n][pair]) for n in sorted(have)}
        if len(set(versions.values())) > 1:
            items.append({"item": f"{key}.version", "options": versions})
    return items


def build_gold(article_id: str, sources: dict[str, dict[str, Any]], decisions: dict[str, dict[str, Any]], adjudicator: str | None) -> dict[str, Any]:
    """Gold from the sources and a decision (``choice``, optional ``reason``) for every disagreement item."""
    names = sorted(sources)
    first = sources[names[0]]

    def decided(key: str, default: Any) -> Any:
        return decisions[key]["choice"] if key in decisions else default

    primary = decided("topics.primary", first["topics"]["primary"])
    candidates = sorted({label for a in sources.values() for label in a["topics"]["labels"]}, key=lambda label: (label != primary, label))
    labels = [label for label in candidates if decided(f"topics.labels:{label}", INCLUDE) == INCLUDE]

    actor_maps = {n: {a["actor"]: a for a in sources[n]["actors"]} for n in names}
    excluded_spans = {key.split(":", 1)[1] for key, d in decisions.items() if key.startswith("mentions:") and d["choice"] == EXCLUDE}
    span_owner = {key.split(":", 1)[1]: d["choice"] for key, d in decisions.items() if key.startswith("mentions:") and d["choice"] != EXCLUDE}
    actors = []
    for actor in sorted(set().union(*actor_maps.values())):
        have = [n for n in names if actor in actor_maps[n]]
        if decided(f"actors:{actor}", INCLUDE) != INCLUDE:
            continue
        salience = decided(f"actors:{actor}.salience", actor_maps[have[0]][actor]["salience"])
        mentions = []
        for n in have:
            for m in actor_maps[n][actor]["mentions"]:
                key = f"{m['start']}-{m['end']}"
                if key in excluded_spans or span_owner.get(key, actor) != actor:
                    continue
                mentions.append(m)
        if mentions:
            actors.append({"actor": actor, "salience": salience, "mentions": _merge_spans(mentions)})
    actors = _drop_nested_mentions(actors)

    stance_maps = {n: {(s["source"], s["target"]): s for s in sources[n]["stances"]} for n in names}
    stances = []
    for pair in sorted(set().union(*stance_maps.values())):
        key = f"stances:{pair[0]}->{pair[1]}"
        have = [n for n in names if pair in stance_maps[n]]
        if decided(key, INCLUDE) != INCLUDE:
            continue
        chosen = decided(f"{key}.version", have[0])
        base = dict(stance_maps[chosen][pair])
        agreeing = [n for n in have if _stance_summary(stance_maps[n][pair]) == _stance_summary(base)]
        base["evidence"] = _merge_spans([e for n in agreeing for e in stance_maps[n][pair]["evidence"]])
        base.pop("note", None)
        stances.append({k: base[k] for k in ("source", "target", "label", "mode", "event_type", "evidence") if k in base})

    adjudication: dict[str, Any] = {"method": "adjudicated" if len(names) > 1 else "promoted", "sources": names}
    if len(names) > 1:
        if adjudicator:
            adjudication["adjudicator"] = adjudicator
        adjudication["decisions"] = [
            {"item": key, "choice": d["choice"], **({"reason": d["reason"]} if d.get("reason") else {})}
            for key, d in sorted(decisions.items())
        ]
    return {
        "article_id": article_id,
        "annotator": GOLD,
        "guidelines": max((a["guidelines"] for a in sources.values()), key=lambda v: tuple(map(int, v.split(".")))),
        "text_sha256": first["text_sha256"],
        "topics": {"primary": primary, "labels": labels},
        "actors": actors,
        "stances": stances,
        "adjudication": adjudication,
    }


def adjudication_path(layout: Layout, article_id: str) -> Path:
    return layout.corpus / "adjudication" / f"{article_id}.json"


def plan(corpus: Corpus) -> tuple[dict[Path, str], list[str], list[str]]:
    """Files to write (gold and decision sheets), problems, and articles still awaiting decisions."""
    layout = corpus.layout
    files: dict[Path, str] = {}
    problems: list[str] = []
    pending: list[str] = []
    for article_id in corpus.ids():
        sources = corpus.raw_annotations(article_id)
        if not sources:
            continue
        items = disagreements(sources) if len(sources) > 1 else []
        sheet_path = adjudication_path(layout, article_id)
        sheet: dict[str, Any] = {"article_id": article_id, "sources": sorted(sources), "adjudicator": None, "items": []}
        if sheet_path.is_file():
            loaded = read_json(sheet_path)
            if isinstance(loaded, ReadFailure) or not isinstance(loaded, dict) or not isinstance(loaded.get("items"), list):
                problems.append(f"{layout.relative(sheet_path)}: $: not a decision sheet ({getattr(loaded, 'message', 'wrong shape')})")
                continue
            sheet = loaded
        previous = {i.get("item"): i for i in sheet.get("items", []) if isinstance(i, dict)}
        merged_items = []
        for item in items:
            old = previous.get(item["item"], {})
            choice = old.get("choice") if old.get("options") == item["options"] else None
            entry = {**item, "choice": choice}
            if old.get("reason") and choice is not None:
                entry["reason"] = old["reason"]
            merged_items.append(entry)
        if len(sources) > 1:
            sheet = {"article_id": article_id, "sources": sorted(sources), "adjudicator": sheet.get("adjudicator"), "items": merged_items}
            files[sheet_path] = dumps(sheet)
        undecided = [i["item"] for i in merged_items if i["choice"] is None]
        invalid = [
            f"{layout.relative(sheet_path)}: $.items[{index}].choice: {i['choice']!r} is not one of {sorted(_allowed(i))}"
            for index, i in enumerate(merged_items)
            if i["choice"] is not None and i["choice"] not in _allowed(i)
        ]
        problems += invalid
        if undecided:
            pending.append(f"{article_id}: {len(undecided)} item(s) to decide in {layout.relative(sheet_path)}")
            continue
        if invalid:
            continue
        decisions = {i["item"]: i for i in merged_items}
        gold = build_gold(article_id, sources, decisions, sheet.get("adjudicator"))
        gold_path = layout.annotation(article_id, GOLD)
        found = check_annotation(gold, layout.relative(gold_path), article_id, GOLD, corpus.articles[article_id], corpus.text(article_id), corpus.registry, corpus.taxonomy)
        if found:
            problems += [f"{p} (from the decisions in {layout.relative(sheet_path)})" for p in found]
            continue
        files[gold_path] = dumps(gold)
    return files, problems, pending


def _allowed(item: dict[str, Any]) -> set[str]:
    options = set(item["options"].values())
    if item["item"].endswith(".version"):
        return set(item["options"])
    if item["item"].startswith("mentions:"):
        return options | {EXCLUDE}
    return options


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique adjudicate", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    parser.add_argument("--check", action="store_true", help="fail if any gold file or decision sheet differs from what the annotations and decisions give")
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    try:
        corpus = load_corpus(layout, validate=False)
    except (OSError, ValueError) as error:
        print(f"{layout.relative(layout.corpus)}: $: cannot load the corpus: {error}", file=sys.stderr)
        return 1
    files, problems, pending = plan(corpus)
    if args.check:
        stale = [layout.relative(p) for p in stale_files(files)]
        for line in problems + pending + [f"{name}: out of date (run `communique adjudicate`)" for name in stale]:
            print(line, file=sys.stderr)
        return 1 if stale or problems or pending else 0
    write_or_check(files, False, "gold", "communique adjudicate")
    for line in problems:
        print(line, file=sys.stderr)
    for line in pending:
        print(f"pending: {line}", file=sys.stderr)
    gold = sum(1 for p in files if p.name == f"{GOLD}.json")
    print(f"{gold} gold annotations written; {len(pending)} articles await decisions; {len(problems)} problems")
    return 1 if problems or pending else 0

