"""Label Studio round trip: a labeling config and tasks out, annotation files back in.

The mapping, chosen so every annotation layer survives the trip:

- topics: a multiple ``Choices`` (``topics``) and a single one (``primary``) on the whole text;
- actor mentions: ``Labels`` regions (``actor``) whose label is the registry id, with a per-region
  ``salience`` choice (an actor is main when any of its regions is marked main);
- stances: one ``evidence`` region per evidence span, with per-region choices ``stance_label``,
  ``stance_mode`` and ``event_type``, and two relations from it: ``source`` to a mention region of
  the source actor and ``target`` to one of the target actor. No ``source`` relation means the
  source is ``@author``. Evidence regions of the same stance are merged back into one stance.

Label Studio counts offsets in UTF-16 code units (JavaScript string indices); the corpus counts
Unicode code points. Every offset is converted both ways, and every region's text is checked
against the article text on import.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from communique.contribute import ContributionError, guidelines_version, skeleton
from communique.corpus import CorpusInvalid, load_corpus
from communique.jsonio import ReadFailure, dumps, read_json, write_text
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.registry import ActorRegistry
from communique.taxonomy import Taxonomy

AUTHOR = "@author"


class LabelStudioError(Exception):
    """A Label Studio export that cannot be turned into a valid annotation."""


# ------------------------------------------------------------------------------ offsets


def utf16_index(text: str) -> list[int]:
    """For each code point offset 0..len(text), the UTF-16 offset of the same position."""
    positions = [0]
    for character in text:
        positions.append(positions[-1] + (2 if ord(character) > 0xFFFF else 1))
    return positions


def to_utf16(text: str, offset: int) -> int:
    return utf16_index(text)[offset]


def from_utf16(text: str, offset: int) -> int:
    """The code point offset of a UTF-16 offset; an offset inside a surrogate pair is an error."""
    positions = utf16_index(text)
    try:
        return positions.index(offset)
    except ValueError:
        raise LabelStudioError(f"UTF-16 offset {offset} does not fall on a character boundary of the text") from None


# ------------------------------------------------------------------------------- config


def labeling_config(taxonomy: Taxonomy, registry: ActorRegistry) -> str:
    """The labeling config XML, generated from the taxonomy and the registry."""

    def choices(values, hint=None):
        return "\n".join(f"    <Choice value={quoteattr(v)}{'' if hint is None else ' hint=' + quoteattr(hint(v))}/>" for v in values)

    actor_labels = "\n".join(
        f"    <Label value={quoteattr(actor_id)} hint={quoteattr(entry['name'] + ' (' + entry['type'] + ')')}/>"
        for actor_id, entry in sorted(registry.actors.items())
    )
    topics = taxonomy.raw["topics"]
    return f"""<View>
  <Header value="$title"/>
  <Text name="text" value="$text" granularity="symbol"/>
  <Header value="Topics (all that apply), then the primary topic"/>
  <Choices name="topics" toName="text" choice="multiple" showInline="true">
{choices(taxonomy.topics, lambda t: topics[t]['definition'])}
  </Choices>
  <Choices name="primary" toName="text" choice="single-radio" showInline="true">
{choices(taxonomy.topics)}
  </Choices>
  <Header value="Actor mentions (label = registry id)"/>
  <Labels name="actor" toName="text">
{actor_labels}
  </Labels>
  <Choices name="salience" toName="text" perRegion="true" whenTagName="actor" choice="single-radio">
{choices(taxonomy.salience)}
  </Choices>
  <Header value="Stance: mark the evidence, relate it to the source mention (source) and the target mention (target)"/>
  <Labels name="evidence" toName="text">
    <Label value="evidence"/>
  </Labels>
  <Choices name="stance_label" toName="text" perRegion="true" whenTagName="evidence" choice="single-radio">
{choices(taxonomy.stance_labels)}
  </Choices>
  <Choices name="stance_mode" toName="text" perRegion="true" whenTagName="evidence" choice="single-radio">
{choices(taxonomy.modes)}
  </Choices>
  <Choices name="event_type" toName="text" perRegion="true" whenTagName="evidence" choice="single">
{choices(taxonomy.event_types)}
  </Choices>
  <Relations>
    <Relation value="source"/>
    <Relation value="target"/>
  </Relations>
</View>
"""


# ------------------------------------------------------------------------------- export


def _region(region_id: str, from_name: str, text: str, span: dict[str, Any], label: str) -> dict[str, Any]:
    positions = utf16_index(text)
    return {
        "id": region_id,
        "from_name": from_name,
        "to_name": "text",
        "type": "labels",
        "value": {"start": positions[span["start"]], "end": positions[span["end"]], "text": span["text"], "labels": [label]},
    }


def _region_choice(region: dict[str, Any], from_name: str, choice: str) -> dict[str, Any]:
    value = {k: region["value"][k] for k in ("start", "end", "text")}
    return {"id": region["id"], "from_name": from_name, "to_name": "text", "type": "choices", "value": {**value, "choices": [choice]}}


def annotation_to_result(annotation: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """A corpus annotation as Label Studio result items."""
    result: list[dict[str, Any]] = []
    if annotation["topics"]["labels"]:
        result.append({"id": "topics", "from_name": "topics", "to_name": "text", "type": "choices", "value": {"choices": list(annotation["topics"]["labels"])}})
    if annotation["topics"]["primary"]:
        result.append({"id": "primary", "from_name": "primary", "to_name": "text", "type": "choices", "value": {"choices": [annotation["topics"]["primary"]]}})
    first_region: dict[str, str] = {}
    for a_index, entry in enumerate(annotation["actors"]):
        for m_index, mention in enumerate(entry["mentions"]):
            region = _region(f"m{a_index}-{m_index}", "actor", text, mention, entry["actor"])
            result += [region, _region_choice(region, "salience", entry["salience"])]
            first_region.setdefault(entry["actor"], region["id"])
    for s_index, stance in enumerate(annotation["stances"]):
        for e_index, span in enumerate(stance["evidence"]):
            region = _region(f"e{s_index}-{e_index}", "evidence", text, span, "evidence")
            result += [region, _region_choice(region, "stance_label", stance["label"]), _region_choice(region, "stance_mode", stance["mode"])]
            if stance.get("event_type"):
                result.append(_region_choice(region, "event_type", stance["event_type"]))
            if stance["source"] != AUTHOR:
                result.append({"type": "relation", "from_id": region["id"], "to_id": first_region[stance["source"]], "direction": "right", "labels": ["source"]})
            result.append({"type": "relation", "from_id": region["id"], "to_id": first_region[stance["target"]], "direction": "right", "labels": ["target"]})
    return result


def task_for(article: dict[str, Any], text: str, prefill: dict[str, Any] | None, model_version: str) -> dict[str, Any]:
    """One Label Studio task; ``prefill`` (an annotation or skeleton) becomes a prediction."""
    task: dict[str, Any] = {"data": {"article_id": article["id"], "title": article["title"], "text": text, "text_sha256": article["text_sha256"]}}
    if prefill is not None:
        task["predictions"] = [{"model_version": model_version, "score": 1.0, "result": annotation_to_result(prefill, text)}]
    return task


# ------------------------------------------------------------------------------- import


def result_to_annotation(result: list[dict[str, Any]], text: str, article: dict[str, Any], annotator: str, guidelines: str, where: str) -> dict[str, Any]:
    """Label Studio result items as a corpus annotation; ``where`` names the place in the export for errors."""
    regions: dict[str, dict[str, Any]] = {}
    region_choices: dict[str, dict[str, str]] = {}
    topics: list[str] = []
    primary = ""
    relations: list[dict[str, Any]] = []
    for index, item in enumerate(result):
        path = f"{where}.result[{index}]"
        kind = item.get("type")
        if kind == "relation":
            relations.append(item)
        elif kind == "labels":
            value = item.get("value", {})
            try:
                start, end = from_utf16(text, int(value["start"])), from_utf16(text, int(value["end"]))
            except (KeyError, TypeError, ValueError, LabelStudioError) as error:
                raise LabelStudioError(f"{path}.value: bad offsets: {error}") from None
            if text[start:end] != value.get("text"):
                raise LabelStudioError(f"{path}.value.text: {value.get('text')!r} is not the text at [{start}, {end}): {text[start:end]!r}")
            labels = value.get("labels") or []
            if len(labels) != 1:
                raise LabelStudioError(f"{path}.value.labels: exactly one label per region, got {labels}")
            regions[item["id"]] = {"tag": item.get("from_name"), "label": labels[0], "span": {"start": start, "end": end, "text": text[start:end]}}
        elif kind == "choices":
            chosen = item.get("value", {}).get("choices") or []
            name = item.get("from_name")
            if name == "topics":
                topics = list(chosen)
            elif name == "primary":
                primary = chosen[0] if chosen else ""
            elif chosen:
                region_choices.setdefault(item["id"], {})[name] = chosen[0]
    actors: dict[str, dict[str, Any]] = {}
    for region_id, region in sorted(regions.items(), key=lambda kv: (kv[1]["span"]["start"], kv[0])):
        if region["tag"] != "actor":
            continue
        entry = actors.setdefault(region["label"], {"actor": region["label"], "salience": "secondary", "mentions": []})
        entry["mentions"].append(region["span"])
        if region_choices.get(region_id, {}).get("salience") == "main":
            entry["salience"] = "main"
    links: dict[str, dict[str, str]] = {}
    for relation in relations:
        kind = (relation.get("labels") or [""])[0]
        target_region = regions.get(relation.get("to_id"))
        if kind not in ("source", "target") or target_region is None or target_region["tag"] != "actor":
            raise LabelStudioError(f"{where}: relation {relation.get('from_id')} -> {relation.get('to_id')} must be labelled source or target and point at an actor mention")
        links.setdefault(relation["from_id"], {})[kind] = target_region["label"]
    stances: dict[tuple[str, str], dict[str, Any]] = {}
    for region_id, region in sorted(regions.items(), key=lambda kv: (kv[1]["span"]["start"], kv[0])):
        if region["tag"] != "evidence":
            continue
        choice = region_choices.get(region_id, {})
        link = links.get(region_id, {})
        if "target" not in link or "stance_label" not in choice or "stance_mode" not in choice:
            raise LabelStudioError(f"{where}: evidence region {region_id} ({region['span']['text'][:40]!r}) needs a target relation, a stance label and a mode")
        pair = (link.get("source", AUTHOR), link["target"])
        stance = {"source": pair[0], "target": pair[1], "label": choice["stance_label"], "mode": choice["stance_mode"]}
        if "event_type" in choice:
            stance["event_type"] = choice["event_type"]
        existing = stances.get(pair)
        if existing is None:
            stances[pair] = {**stance, "evidence": [region["span"]]}
        elif {k: existing.get(k) for k in stance} != stance:
            raise LabelStudioError(f"{where}: two evidence regions give different stances for {pair[0]} -> {pair[1]}; one stance per ordered pair")
        else:
            existing["evidence"].append(region["span"])
    return {
        "article_id": article["id"],
        "annotator": annotator,
        "guidelines": guidelines,
        "text_sha256": article["text_sha256"],
        "topics": {"primary": primary, "labels": topics},
        "actors": [actors[a] for a in sorted(actors)],
        "stances": [stances[p] for p in sorted(stances)],
    }


# ------------------------------------------------------------------------------ commands


def export_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique ls-export", description="Write a Label Studio labeling config and tasks (with pre-annotations) for articles.")
    parser.add_argument("output", type=Path, help="folder to write config.xml and tasks.json into")
    parser.add_argument("--articles", nargs="*", help="article ids (default: all with text)")
    parser.add_argument("--prefill", default="skeleton", help="annotator whose annotation pre-fills the tasks, 'gold', or 'skeleton' for gazetteer candidates (default)")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    try:
        corpus = load_corpus(layout)
    except CorpusInvalid as invalid:
        print(f"{invalid}\nnothing exported: the corpus does not validate", file=sys.stderr)
        return 1
    ids = args.articles or [i for i in corpus.ids() if corpus.text(i)]
    tasks = []
    for article_id in ids:
        if article_id not in corpus.articles or corpus.text(article_id) is None:
            print(f"{layout.relative(layout.article(article_id))}: $: no such article with text", file=sys.stderr)
            return 1
        article, text = corpus.articles[article_id], corpus.text(article_id)
        if args.prefill == "skeleton":
            prefill = skeleton(article, text, "skeleton", corpus.registry, guidelines_version(layout))
        else:
            prefill = corpus.annotations.get(article_id, {}).get(args.prefill)
        tasks.append(task_for(article, text, prefill, f"communique-{args.prefill}"))
    write_text(args.output / "config.xml", labeling_config(corpus.taxonomy, corpus.registry))
    write_text(args.output / "tasks.json", dumps(tasks))
    print(f"wrote {args.output / 'config.xml'} and {len(tasks)} tasks to {args.output / 'tasks.json'}")
    return 0


def import_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique ls-import", description="Turn a Label Studio JSON export into annotation files (one per task with a submitted annotation).")
    parser.add_argument("export", type=Path, help="the project's full JSON export (not JSON_MIN: it drops relations)")
    parser.add_argument("--annotator", required=True, help="your stable pseudonym, written into the annotation files")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    parser.add_argument("--force", action="store_true", help="overwrite existing annotation files of this annotator")
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    exported = read_json(args.export)
    if isinstance(exported, ReadFailure):
        print(f"{args.export}: $: {exported.message}", file=sys.stderr)
        return 1
    if not isinstance(exported, list):
        print(f"{args.export}: $: a Label Studio JSON export is a list of tasks", file=sys.stderr)
        return 1
    try:
        corpus = load_corpus(layout, validate=False)
        files: dict[Path, str] = {}
        for t_index, task in enumerate(exported):
            where = f"$[{t_index}]"
            article_id = (task.get("data") or {}).get("article_id")
            if article_id not in corpus.articles:
                raise LabelStudioError(f"{where}.data.article_id: {article_id!r} is not a corpus article")
            text = corpus.text(article_id)
            if text is None or (task.get("data") or {}).get("text") != text:
                raise LabelStudioError(f"{where}.data.text: not the article's current text (stale task or unhydrated article)")
            submitted = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
            if not submitted:
                continue
            a_index = task["annotations"].index(submitted[-1])
            annotation = result_to_annotation(submitted[-1].get("result", []), text, corpus.articles[article_id], args.annotator, guidelines_version(layout), f"{where}.annotations[{a_index}]")
            target = layout.annotation(article_id, args.annotator)
            if target.exists() and not args.force:
                raise LabelStudioError(f"{layout.relative(target)}: exists already; pass --force to overwrite")
            files[target] = dumps(annotation)
    except (LabelStudioError, ContributionError) as error:
        print(f"{args.export}: {error}", file=sys.stderr)
        return 1
    for path, content in files.items():
        write_text(path, content)
    print(f"imported {len(files)} annotation(s) by {args.annotator}; run `communique validate`")
    return 0
