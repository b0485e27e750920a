"""Synthetic corpora of any size, valid by construction, for benchmarks and tests.

The texts are word salad around registry names; only their sizes and shapes are realistic:
about 450 words an article, 5 actors with 2–4 mentions each, 3–5 stances with evidence, 1–3
topics, events of 1–4 articles spread over 2014–2025. Never mix them into the real corpus.
"""

from __future__ import annotations

import argparse
import datetime
import random
import shutil
from pathlib import Path
from typing import Any

from communique.jsonio import dumps
from communique.layout import DEFAULT_LAYOUT, GOLD, Layout
from communique.taxonomy import Taxonomy, load_taxonomy
from communique.text import sha256_text

_WORDS = (
    "talks ministers agreed security cooperation maritime patrol vessels shoal sea trade tariffs "
    "supply chain minerals summit statement officials said week border troops exercise drills "
    "investment loan port energy climate emissions technology chips export controls sanctions "
    "missile launch nuclear dialogue embassy ambassador protest region partners alliance "
    "framework development aid infrastructure rights election refugees visas students tourism"
).split()

_STATES = ["CHN", "JPN", "PHL", "USA", "VNM", "KOR", "PRK", "IND", "AUS", "IDN", "MYS", "THA", "RUS", "UKR", "TWN"]
_STATE_NAMES = {
    "CHN": "China", "JPN": "Japan", "PHL": "Philippines", "USA": "United States", "VNM": "Vietnam",
    "KOR": "South Korea", "PRK": "North Korea", "IND": "India", "AUS": "Australia", "IDN": "Indonesia",
    "MYS": "Malaysia", "THA": "Thailand", "RUS": "Russia", "UKR": "Ukraine", "TWN": "Taiwan",
}


def synthetic_registry() -> dict[str, Any]:
    """A small valid registry: states, their foreign ministries and coast guards, and ASEAN."""
    actors: list[dict[str, Any]] = []
    for code in _STATES:
        name = _STATE_NAMES[code]
        actors.append({"id": code, "type": "state", "name": name, "aliases": [f"{name}'s government"], "iso3": code})
        actors.append({"id": f"{code}.foreign-ministry", "type": "agency", "name": f"{name} Foreign Ministry", "aliases": [], "parent": code})
        actors.append({"id": f"{code}.coast-guard", "type": "agency", "name": f"{name} Coast Guard", "aliases": [], "parent": code})
    actors.append({"id": "ASEAN", "type": "igo", "name": "ASEAN", "aliases": ["Association of Southeast Asian Nations"], "members": ["IDN", "MYS", "PHL", "THA", "VNM"]})
    return {"actors": sorted(actors, key=lambda a: a["id"])}


def _sentence(rng: random.Random, length: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(length)]
    return " ".join(words).capitalize() + "."


def synthetic_article(
    rng: random.Random, index: int, event: str, day: datetime.date, taxonomy: Taxonomy, registry_ids: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One article and its gold annotation, consistent with each other."""
    actor_ids = rng.sample(registry_ids, 5)
    names = {a: _name_of(a) for a in actor_ids}
    pieces: list[str] = []
    mentions: dict[str, list[dict[str, Any]]] = {a: [] for a in actor_ids}
    sentences: list[tuple[int, int]] = []
    cursor = 0
    for paragraph in range(6):
        for _ in range(rng.randint(3, 5)):
            actor = actor_ids[rng.randrange(len(actor_ids))] if paragraph or not pieces else actor_ids[0]
            head = names[actor]
            body = _sentence(rng, rng.randint(10, 24))
            sentence = f"{head} {body[0].lower()}{body[1:]}"
            start = cursor
            mentions[actor].append({"start": start, "end": start + len(head), "text": head})
            sentences.append((start, start + len(sentence)))
            pieces.append(sentence)
            cursor += len(sentence) + 1
        pieces[-1] += "\n"
        cursor += 1
    text = " ".join(pieces).replace("\n ", "\n\n").rstrip()
    present = [a for a in actor_ids if mentions[a]]
    article_id = f"synthetic-{index:06d}"
    article = {
        "id": article_id,
        "title": _sentence(rng, 8)[:-1],
        "published": day.isoformat(),
        "dateline": rng.choice(["MANILA", "BEIJING", "TOKYO", "WASHINGTON", "HANOI", "JAKARTA"]),
        "language": "en",
        "genre": rng.choice(taxonomy.genres),
        "event": event,
        "text": text,
        "text_sha256": sha256_text(text),
        "text_length": len(text),
        "source": {"kind": "original", "license": "CC-BY-4.0", "references": [{"outlet": "Synthetic Wire", "title": "Generated", "date": day.isoformat()}]},
        "added_in": "0.1.0",
    }
    labels = rng.sample(taxonomy.topics, rng.randint(1, 3))
    stances = []
    pairs = set()
    for _ in range(rng.randint(3, 5)):
        source, target = rng.sample(present, 2)
        if (source, target) in pairs:
            continue
        pairs.add((source, target))
        label = rng.choice(taxonomy.stance_labels)
        mode = rng.choice(taxonomy.modes)
        quad = taxonomy.quad_class(label, mode)
        start, end = sentences[rng.randrange(len(sentences))]
        stance: dict[str, Any] = {"source": source, "target": target, "label": label, "mode": mode, "evidence": [{"start": start, "end": end, "text": text[start:end]}]}
        if label != "neutral":
            stance["event_type"] = rng.choice([e for e, q in taxonomy.event_quad_class.items() if q == quad])
        stances.append(stance)
    annotation = {
        "article_id": article_id,
        "annotator": GOLD,
        "guidelines": "0.1.0",
        "text_sha256": article["text_sha256"],
        "topics": {"primary": labels[0], "labels": labels},
        "actors": [{"actor": a, "salience": "main" if i < 2 else "secondary", "mentions": mentions[a]} for i, a in enumerate(present)],
        "stances": stances,
        "adjudication": {"method": "promoted", "sources": ["synthetic"]},
    }
    return article, annotation


def _name_of(actor_id: str) -> str:
    state, _, agency = actor_id.partition(".")
    if actor_id == "ASEAN":
        return "ASEAN"
    name = _STATE_NAMES[state]
    return {"": name, "foreign-ministry": f"{name} Foreign Ministry", "coast-guard": f"{name} Coast Guard"}[agency]


def generate_corpus(root: Path, n_articles: int, seed: int = 0, schema_from: Path = DEFAULT_LAYOUT.schema) -> Layout:
    """Write a valid synthetic corpus of ``n_articles`` under ``root`` and return its layout."""
    layout = Layout(root)
    shutil.copytree(schema_from, layout.schema, dirs_exist_ok=True)
    layout.articles.mkdir(parents=True, exist_ok=True)
    layout.annotations.mkdir(parents=True, exist_ok=True)
    (layout.corpus / "VERSION").write_text("0.1.0\n", encoding="utf-8")
    registry = synthetic_registry()
    layout.actors.write_text(dumps(registry), encoding="utf-8")
    registry_ids = [a["id"] for a in registry["actors"]]
    taxonomy = load_taxonomy(layout.taxonomy)
    rng = random.Random(seed)
    start = datetime.date(2014, 1, 1)
    span_days = (datetime.date(2025, 12, 31) - start).days
    index = 0
    event_number = 0
    while index < n_articles:
        event_number += 1
        day = start + datetime.timedelta(days=rng.randrange(span_days))
        event = f"synthetic-event-{event_number:06d}"
        for _ in range(min(rng.randint(1, 4), n_articles - index)):
            article, annotation = synthetic_article(rng, index, event, day + datetime.timedelta(days=rng.randint(0, 3)), taxonomy, registry_ids)
            layout.article(article["id"]).write_text(dumps(article), encoding="utf-8")
            layout.annotation_dir(article["id"]).mkdir(exist_ok=True)
            layout.annotation(article["id"], GOLD).write_text(dumps(annotation), encoding="utf-8")
            index += 1
    return layout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique synthetic", description="Write a synthetic corpus for benchmarks (never into the real corpus).")
    parser.add_argument("root", type=Path, help="an empty or new folder to write into")
    parser.add_argument("-n", "--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.root.resolve() == DEFAULT_LAYOUT.root or (args.root / "corpus" / "articles").exists():
        print(f"{args.root}: $: refusing to write a synthetic corpus over an existing corpus", flush=True)
        return 1
    generate_corpus(args.root.resolve(), args.articles, args.seed)
    print(f"wrote {args.articles} synthetic articles under {args.root}")
    return 0
