"""Text normalisation and hashing: the one definition of the text an annotation's offsets point into.

Offsets everywhere in Communiqué are Unicode code points into the NFC-normalised text with
``\\n`` line ends, half-open ``[start, end)``: exactly what a Python slice does.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SHARE_COUNTER = re.compile(r"^(?:\d+|SHARE|Share|share)$")


def normalise(text: str) -> str:
    """NFC, ``\\n`` line ends, no trailing white space on lines, no blank lines at either end."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def sha256_text(text: str) -> str:
    """The sha256 hex digest of the UTF-8 bytes of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_canonical(text: str) -> bool:
    """Whether ``text`` is already NFC with ``\\n`` line ends."""
    return "\r" not in text and unicodedata.is_normalized("NFC", text)


def canonical_body(raw: str, title: str) -> str:
    """The article body of a raw copy saved from a web page.

    A page saved by a reader repeats the headline and carries share-counter lines
    ("14", "0", "SHARE") before the body. The canonical body drops every line equal to the
    title and every counter line, keeps the paragraphs in order, and joins them with one
    blank line. Two copies of the same article saved differently give the same body, so
    its hash identifies the text a user must supply.
    """
    title_key = normalise(title).strip()
    paragraphs = []
    for line in normalise(raw).split("\n"):
        stripped = line.strip()
        if not stripped or stripped == title_key or _SHARE_COUNTER.match(stripped):
            continue
        paragraphs.append(stripped)
    return "\n\n".join(paragraphs)


def word_count(text: str) -> int:
    """Whitespace-separated words: the length measure used in coverage reports."""
    return len(text.split())
