"""Restore the text of an external article from a user's own copy, refusing any other text.

External articles are not ours to redistribute: the corpus keeps their hash and length. A user
who has the article (saved from the outlet's page, say) hydrates it; the canonical body of the
copy must hash to the recorded ``text_sha256``. The text goes to ``corpus/hydrated/``, which git
ignores, and from there into validation and text-bearing release configs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from communique.jsonio import ReadFailure, read_json, write_text
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.text import canonical_body, sha256_text


def hydrate_text(article: dict, raw: str) -> str:
    """The canonical body of ``raw`` if it is the article's text; ``ValueError`` otherwise."""
    body = canonical_body(raw, article["title"])
    if sha256_text(body) != article["text_sha256"]:
        raise ValueError(
            f"this copy is not the recorded text: its body has sha256 {sha256_text(body)} and {len(body)} code points, "
            f"the record has {article['text_sha256']} and {article['text_length']}"
        )
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique hydrate", description=__doc__.splitlines()[0])
    parser.add_argument("article_id", help="id of the external article (corpus/articles/<id>.json)")
    parser.add_argument("copy", type=Path, help="your copy of the article: plain text as saved from the page")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root, help="folder holding corpus/ (default: this checkout)")
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    path = layout.article(args.article_id)
    if "/" in args.article_id or args.article_id.startswith(".") or not path.is_file():
        print(f"{layout.relative(path)}: $: no such article", file=sys.stderr)
        return 1
    article = read_json(path)
    if isinstance(article, ReadFailure):
        print(f"{layout.relative(path)}: $: {article.message} [{article.problem}]", file=sys.stderr)
        return 1
    if article.get("source", {}).get("kind") != "external":
        print(f"{layout.relative(path)}: $.source.kind: only external articles are hydrated; this one carries its text", file=sys.stderr)
        return 1
    try:
        raw = args.copy.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{args.copy}: $: cannot read the copy as UTF-8 text: {error}", file=sys.stderr)
        return 1
    try:
        body = hydrate_text(article, raw)
    except ValueError as error:
        print(f"{args.copy}: $: {error}", file=sys.stderr)
        return 1
    target = layout.hydrated_text(args.article_id)
    write_text(target, body)
    print(f"hydrated {args.article_id}: {len(body)} code points written to {layout.relative(target)}")
    return 0
