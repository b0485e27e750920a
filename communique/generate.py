"""Regenerate every generated file from its single source, or check that none has drifted.

Generated here: ``schema/labels.schema.json`` (from ``schema/taxonomy.json``). Other commands
own their own generated outputs (the release owns the dataset card and Croissant file; the
leaderboard owns its table and plots); ``communique generate`` runs them all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from communique.jsonio import dumps, stale_files, write_or_check
from communique.layout import DEFAULT_LAYOUT, Layout
from communique.taxonomy import labels_schema, load_taxonomy


def generated_files(layout: Layout) -> dict[Path, str]:
    """Every file this module generates, with the content it should have."""
    return {layout.schema / "labels.schema.json": dumps(labels_schema(load_taxonomy(layout.taxonomy)))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique generate", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that differ from what their sources give")
    parser.add_argument("--root", type=Path, default=DEFAULT_LAYOUT.root)
    args = parser.parse_args(argv)
    layout = Layout(args.root.resolve())
    files = generated_files(layout)
    stale = stale_files(files)
    status = write_or_check(files, args.check, "generated files", "communique generate", layout.relative)
    if not args.check:
        print(("regenerated: " + ", ".join(map(layout.relative, stale))) if stale else "generated files are up to date")
    return status
