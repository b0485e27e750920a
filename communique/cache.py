"""A small local cache of derived facts, keyed by content digests: never committed, always safe to delete.

It lives in ``<root>/.cache/communique/`` (ignored by git) and holds two records, each the latest
one only:

``validated-units.json``
    for the last tree that validated without errors: keyed by the digest of the validation
    context (the schema folder, the actor registry, ``corpus/VERSION`` and the source of this
    package), the digest of every unit's files (an article and its annotation folder, names and
    bytes). The corpus pass (:func:`communique.validate.scan`) computes each unit's digest as it
    reads the unit and validates only the units whose digest differs.
``near-duplicates.json``
    the near-duplicate pairs of the last validated set of committed texts, keyed by every
    ``(id, text_sha256)``, the threshold, the shingle size and the source of the similarity code.

A missing, unreadable or mismatching record is a miss; a cache that cannot be written is ignored.
Set ``COMMUNIQUE_NO_CACHE=1`` to neither read nor write it.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from communique.layout import Layout

PACKAGE = Path(__file__).resolve().parent
FORMAT = 1


def enabled() -> bool:
    return os.environ.get("COMMUNIQUE_NO_CACHE", "") in ("", "0")


def folder(layout: Layout) -> Path:
    return layout.root / ".cache" / "communique"


@lru_cache(maxsize=1)
def package_digest() -> str:
    """sha256 over the name and bytes of every module of this package: a code change is a cache miss."""
    digest = hashlib.sha256(f"communique-cache-{FORMAT}\0".encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def read(layout: Layout, name: str, key: str) -> Any | None:
    """The value stored under ``name`` if it was stored with ``key``; None otherwise."""
    if not enabled():
        return None
    try:
        record = json.loads((folder(layout) / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    return record.get("value")


def write(layout: Layout, name: str, key: str, value: Any) -> None:
    """Store ``value`` under ``name`` with ``key`` (atomically); failures are ignored."""
    if not enabled():
        return
    target = folder(layout) / name
    temporary = target.with_name(f".{name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps({"key": key, "value": value}, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        try:
            temporary.unlink()
        except OSError:
            pass
