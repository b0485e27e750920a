"""Contributor commands: add an article, start an annotation from the gazetteer, resolve quoted spans.

``add-article`` turns a plain-text or Markdown file (with an optional YAML header) into an article
record: normalised text, hash, a safe unique id, ``added_in`` the next version. It refuses an id
that exists and warns, naming the closest article, when the text is a near-duplicate.
``annotate`` writes an annotation skeleton whose actors are every registry alias found in the
text, with offsets, so a contributor edits instead of counting characters. ``resolve`` turns
spans written as quoted text plus an occurrence number into offsets.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from communique.gazetteer import Gazetteer
from communique.jsonio import ReadFailure, dumps, read_json, write_text
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.registry import ActorRegistry
from communique.schemas import load_schemas
from communique.similarity import NEAR_DUPLICATE_THRESHOLD, jaccard, shingles
from communique.text import normalise, sha256_text
from communique.validate import schema_problems


class ContributionError(Exception):
    """Bad contributor input: the message names the file, the JSON path and the problem."""


# -------------------------------------------------------------------------------- articles


def guidelines_version(layout: Layout) -> str:
    """The version of corpus/GUIDELINES.md (its "**Version X.Y.Z**" line), written into new annotations."""
    found = re.search(r"\*\*Version (\d+\.\d+\.\d+)\*\*", (layout.corpus / "GUIDELINES.md").read_text(encoding="utf-8"))
    if not found:
        raise ContributionError(f"{layout.relative(layout.corpus / 'GUIDELINES.md')}: no '**Version X.Y.Z**' line")
    return found.group(1)


def next_version(version: str) -> str:
    """The next MINOR version: new articles and annotations are a minor change."""
    major, minor, _ = (int(p) for p in version.split("."))
    return f"{major}.{minor + 1}.0"


def suggest_id(published: str, title: str, taken: set[str]) -> str:
    """``<date>-<title slug>``, at most 96 characters, made unique with a counter."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    base = f"{published}-{slug}"[:90].rstrip("-")
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}-{counter}", counter + 1
    return candidate


def split_header(raw: str) -> tuple[dict[str, Any], str]:
    """A leading YAML header between ``---`` lines, and the body after it."""
    text = raw.replace("\r\n", "\n").lstrip("\ufeff")
    if text.startswith("---\n"):
        header, separator, body = text[4:].partition("\n---\n")
        if not separator:
            raise ContributionError("$: a YAML header opened with --- is never closed with ---")
        try:
            data = yaml.safe_load(header) or {}
        except yaml.YAMLError as error:
            raise ContributionError(f"$: the YAML header is not valid YAML: {error}") from None
        if not isinstance(data, dict):
            raise ContributionError("$: the YAML header must be a mapping of field: value")
        return data, body
    return {}, text


def body_text(body: str) -> str:
    """The article text: paragraphs separated by one blank line, lines within a paragraph joined."""
    paragraphs = [" ".join(line.strip() for line in block.split("\n")) for block in re.split(r"\n\s*\n", normalise(body))]
    return "\n\n".join(p for p in paragraphs if p)


def build_article(meta: dict[str, Any], body: str, layout: Layout, version: str) -> dict[str, Any]:
    """The article record for ``body`` and ``meta`` (header fields, overridden by flags)."""
    taken = {p.stem for p in layout.articles.glob("*.json")}
    published = str(meta.get("published", ""))
    title = str(meta.get("title", "")).strip()
    article_id = meta.get("id") or suggest_id(published, title, taken)
    if article_id in taken:
        raise ContributionError(f"$.id: an article with id {article_id!r} already exists ({layout.relative(layout.article(article_id))}); choose another id")
    article: dict[str, Any] = {
        "id": article_id,
        "title": title,
        "published": published,
        "dateline": str(meta.get("dateline", "")).strip().upper(),
        "language": "en",
        "genre": meta.get("genre", ""),
        "event": meta.get("event") or f"{published[:4]}-{re.sub(r'^[0-9-]+', '', article_id)}".strip("-"),
    }
    text = body_text(body)
    if meta.get("external"):
        article["text_sha256"] = sha256_text(text)
        article["text_length"] = len(text)
        article["source"] = {"kind": "external", "outlet": meta.get("outlet", ""), "url": meta.get("url", ""), "license": meta.get("license", "")}
    else:
        article["text"] = text
        article["text_sha256"] = sha256_text(text)
        article["text_length"] = len(text)
        article["source"] = {"kind": "original", "license": "CC-BY-4.0", "references": meta.get("references", [])}
    article["added_in"] = meta.get("added_in", next_version(version))
    return {k: article[k] for k in ("id", "title", "published", "dateline", "language", "genre", "event", "text", "text_sha256", "text_length", "source", "added_in") if k in article}


def closest_article(text: str, layout: Layout) -> tuple[float, str | None]:
    """The most similar existing original article by word 5-gram Jaccard."""
    mine = shingles(text)
    best: tuple[float, str | None] = (0.0, None)
    for path in sorted(layout.articles.glob("*.json")):
        other = read_json(path)
        if isinstance(other, dict) and isinstance(other.get("text"), str):
            similarity = jaccard(mine, shingles(other["text"]))
            if similarity > best[0]:
                best = (similarity, path.stem)
    return best


def _parse_reference(value: str) -> dict[str, str]:
    parts = [p.strip() for p in value.split("|")]
    if len(parts) < 2:
        raise ContributionError(f"--reference {value!r}: write OUTLET|TITLE[|DATE[|URL]]")
    return {k: v for k, v in zip(("outlet", "title", "date", "url"), parts) if v}


def add_article_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique add-article", description="Add an article from a plain-text or Markdown file (optional YAML header between --- lines); flags override the header.")
    parser.add_argument("file", type=Path, help="the article body (UTF-8), optionally starting with a YAML header")
    parser.add_argument("--title")
    parser.add_argument("--published", help="YYYY-MM-DD")
    parser.add_argument("--dateline", help="the place it is filed from, e.g. MANILA")
    parser.add_argument("--genre", help="news, analysis, opinion, brief or statement")
    parser.add_argument("--event", help="story cluster key shared by articles on the same event")
    parser.add_argument("--id", help="article id (default: date and title)")
    parser.add_argument("--reference", action="append", default=None, metavar="OUTLET|TITLE[|DATE[|URL]]", help="public material the article reports (repeatable)")
    parser.add_argument("--external", action="store_true", help="record a text we may not redistribute: keep hash and length only")
    parser.add_argument("--outlet")
    parser.add_argument("--url")
    parser.add_argument("--license")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    parser.add_argument("--dry-run", action="store_true", help="print the record without writing it")
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    try:
        raw = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{args.file}: $: cannot read as UTF-8 text: {error}", file=sys.stderr)
        return 1
    try:
        meta, body = split_header(raw)
        for key in ("title", "published", "dateline", "genre", "event", "id", "outlet", "url", "license"):
            if getattr(args, key) is not None:
                meta[key] = getattr(args, key)
        if isinstance(meta.get("published"), datetime.date):
            meta["published"] = meta["published"].isoformat()
        if args.reference:
            meta["references"] = [_parse_reference(r) for r in args.reference]
        if args.external:
            meta["external"] = True
        version = (layout.corpus / "VERSION").read_text(encoding="utf-8").strip()
        article = build_article(meta, body, layout, version)
    except ContributionError as error:
        print(f"{args.file}: {error}", file=sys.stderr)
        return 1
    problems = schema_problems(load_schemas(layout.schema), "article", article, str(args.file))
    if problems:
        for problem in problems:
            print(str(problem).replace(" [schema-violation]", "") + " — give it as a flag or in the YAML header", file=sys.stderr)
        return 1
    similarity, closest = closest_article(body_text(body), layout)
    if similarity >= NEAR_DUPLICATE_THRESHOLD:
        print(f"warning: near-duplicate of {closest} (5-gram Jaccard {similarity:.2f} ≥ {NEAR_DUPLICATE_THRESHOLD}); rewrite it or mark it as the same event", file=sys.stderr)
    if args.dry_run:
        print(dumps(article), end="")
        return 0
    write_text(layout.article(article["id"]), dumps(article))
    print(f"added {layout.relative(layout.article(article['id']))} ({article['text_length']} code points, added_in {article['added_in']}); "
          f"next: communique annotate {article['id']} --annotator YOUR-NAME")
    return 0


# ----------------------------------------------------------------------------- annotations


def skeleton(article: dict[str, Any], text: str, annotator: str, registry: ActorRegistry, guidelines: str) -> dict[str, Any]:
    """An annotation to edit: gazetteer candidates as actors, topics and stances left to fill."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for match in Gazetteer(registry).find(text):
        grouped.setdefault(match.actor, []).append({"start": match.start, "end": match.end, "text": match.text})
    return {
        "article_id": article["id"],
        "annotator": annotator,
        "guidelines": guidelines,
        "text_sha256": article["text_sha256"],
        "topics": {"primary": "", "labels": []},
        "actors": [{"actor": actor, "salience": "secondary", "mentions": mentions} for actor, mentions in sorted(grouped.items())],
        "stances": [],
        "notes": "Skeleton from the registry gazetteer: check every candidate mention, remove wrong ones, add missed ones, set salience, fill topics and stances. Spans may be written as {\"text\": ..., \"occurrence\": N}; run `communique resolve` to turn them into offsets.",
    }


def resolve_spans(annotation: dict[str, Any], text: str, file: str) -> dict[str, Any]:
    """A copy of ``annotation`` in which every span given as text (+ 1-based occurrence) has offsets."""

    def resolve(span: Any, path: str) -> dict[str, Any]:
        if not isinstance(span, dict) or not isinstance(span.get("text"), str) or not span["text"]:
            raise ContributionError(f"{file}: {path}: a span needs a non-empty text")
        if "start" in span and "end" in span:
            return span
        occurrence = span.get("occurrence", 1)
        if not isinstance(occurrence, int) or occurrence < 1:
            raise ContributionError(f"{file}: {path}.occurrence: must be a whole number from 1")
        positions = [m.start() for m in re.finditer(re.escape(span["text"]), text)]
        if len(positions) < occurrence:
            raise ContributionError(f"{file}: {path}: {span['text']!r} occurs {len(positions)} time(s) in the text; occurrence {occurrence} does not exist")
        start = positions[occurrence - 1]
        return {"start": start, "end": start + len(span["text"]), "text": span["text"]}

    result = dict(annotation)
    result["actors"] = [
        {**entry, "mentions": [resolve(m, f"$.actors[{i}].mentions[{j}]") for j, m in enumerate(entry.get("mentions", []))]}
        for i, entry in enumerate(annotation.get("actors", []))
    ]
    result["stances"] = [
        {**stance, "evidence": [resolve(e, f"$.stances[{i}].evidence[{j}]") for j, e in enumerate(stance.get("evidence", []))]}
        for i, stance in enumerate(annotation.get("stances", []))
    ]
    return result


def reanchor_spans(annotation: dict[str, Any], text: str, text_sha256: str, file: str) -> dict[str, Any]:
    """A copy of ``annotation`` bound to a changed text: each span moves to the nearest occurrence of its text.

    A span whose text no longer occurs is an error naming it, so a deleted passage is never
    silently re-attached somewhere else.
    """

    def move(span: dict[str, Any], path: str) -> dict[str, Any]:
        positions = [m.start() for m in re.finditer(re.escape(span["text"]), text)]
        if not positions:
            raise ContributionError(f"{file}: {path}: {span['text']!r} no longer occurs in the text; remove or rewrite this span")
        start = min(positions, key=lambda p: (abs(p - span["start"]), p))
        return {"start": start, "end": start + len(span["text"]), "text": span["text"]}

    result = dict(annotation, text_sha256=text_sha256)
    result["actors"] = [
        {**entry, "mentions": [move(m, f"$.actors[{i}].mentions[{j}]") for j, m in enumerate(entry["mentions"])]}
        for i, entry in enumerate(annotation["actors"])
    ]
    result["stances"] = [
        {**stance, "evidence": [move(e, f"$.stances[{i}].evidence[{j}]") for j, e in enumerate(stance["evidence"])]}
        for i, stance in enumerate(annotation["stances"])
    ]
    return result


def _load_article(layout: Layout, article_id: str) -> tuple[dict[str, Any], str]:
    path = layout.article(article_id)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,95}", article_id) or not path.is_file():
        raise ContributionError(f"{layout.relative(path)}: $: no such article")
    article = read_json(path)
    if isinstance(article, ReadFailure):
        raise ContributionError(f"{layout.relative(path)}: $: {article.message}")
    text = article.get("text")
    if text is None and layout.hydrated_text(article_id).is_file():
        text = layout.hydrated_text(article_id).read_text(encoding="utf-8")
    if text is None:
        raise ContributionError(f"{layout.relative(path)}: $: external article without text; run `communique hydrate {article_id} YOUR-COPY` first")
    return article, text


def annotate_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique annotate", description="Write an annotation skeleton for an article, pre-filled with the registry's aliases found in its text.")
    parser.add_argument("article_id")
    parser.add_argument("--annotator", required=True, help="your stable pseudonym, e.g. ann-21")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    parser.add_argument("--force", action="store_true", help="overwrite an existing annotation by this annotator")
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    if not re.fullmatch(r"[a-z][a-z0-9-]{1,39}", args.annotator) or args.annotator == "gold":
        print(f"--annotator {args.annotator!r}: a pseudonym is lower-case letters, digits and hyphens, and not 'gold'", file=sys.stderr)
        return 1
    try:
        article, text = _load_article(layout, args.article_id)
        registry_data = read_json(layout.actors)
        if isinstance(registry_data, ReadFailure):
            raise ContributionError(f"{layout.relative(layout.actors)}: $: {registry_data.message}")
    except ContributionError as error:
        print(error, file=sys.stderr)
        return 1
    target = layout.annotation(args.article_id, args.annotator)
    if target.exists() and not args.force:
        print(f"{layout.relative(target)}: $: exists already; edit it, or pass --force to start again", file=sys.stderr)
        return 1
    try:
        guidelines = guidelines_version(layout)
    except (ContributionError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    result = skeleton(article, text, args.annotator, ActorRegistry.from_data(registry_data), guidelines)
    write_text(target, dumps(result))
    mentions = sum(len(a["mentions"]) for a in result["actors"])
    print(f"wrote {layout.relative(target)}: {len(result['actors'])} candidate actors, {mentions} candidate mentions; edit it, then run `communique validate`")
    return 0


def resolve_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique resolve", description="Give offsets to spans written as {\"text\": ..., \"occurrence\": N} in an annotation file (in place).")
    parser.add_argument("annotation", type=Path, help="corpus/annotations/<article>/<annotator>.json")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    data = read_json(args.annotation)
    try:
        if isinstance(data, ReadFailure):
            raise ContributionError(f"{args.annotation}: $: {data.message}")
        if not isinstance(data, dict) or not isinstance(data.get("article_id"), str):
            raise ContributionError(f"{args.annotation}: $.article_id: missing; the file must name its article")
        _, text = _load_article(layout, data["article_id"])
        resolved = resolve_spans(data, text, str(args.annotation))
    except ContributionError as error:
        print(error, file=sys.stderr)
        return 1
    write_text(args.annotation, dumps(resolved))
    print(f"resolved spans in {args.annotation}; now run `communique validate`")
    return 0


def reanchor_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique reanchor", description="Bind stale annotations to their article's corrected text: every span moves to the nearest occurrence of its text (in place).")
    parser.add_argument("annotations", type=Path, nargs="+", help="corpus/annotations/<article>/<annotator>.json files")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    updated: dict[Path, str] = {}
    try:
        for path in args.annotations:
            data = read_json(path)
            if isinstance(data, ReadFailure):
                raise ContributionError(f"{path}: $: {data.message}")
            if not isinstance(data, dict) or not isinstance(data.get("article_id"), str):
                raise ContributionError(f"{path}: $.article_id: missing; the file must name its article")
            article, text = _load_article(layout, data["article_id"])
            updated[path] = dumps(reanchor_spans(data, text, article["text_sha256"], str(path)))
    except (ContributionError, KeyError, TypeError) as error:
        print(error if isinstance(error, ContributionError) else f"{path}: $: not an annotation ({error})", file=sys.stderr)
        return 1
    for path, content in updated.items():
        write_text(path, content)
    print(f"re-anchored {len(updated)} annotation(s); run `communique validate`")
    return 0
