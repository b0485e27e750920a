"""The ``communique`` command: one entry point, one sub-command per capability."""

from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "all": ("communique.pipeline", "the main job: validate, split, release, evaluate every baseline, print the leaderboard"),
    "validate": ("communique.validate", "check every corpus file against the schemas and invariants"),
    "generate": ("communique.generate", "regenerate generated files from their sources (--check: report drift)"),
    "hydrate": ("communique.hydrate", "restore an external article's text from your own copy"),
    "split": ("communique.splits", "assign events to train/validation/test and check for leakage"),
    "release": ("communique.release", "build the release folders, manifest, dataset card and Croissant file"),
    "evaluate": ("communique.evaluate", "train and evaluate every baseline on every task"),
    "score": ("communique.score", "score an outside model's predictions file"),
    "predict": ("communique.predict", "apply a trained baseline to new articles"),
    "leaderboard": ("communique.leaderboard", "regenerate the leaderboard table and plots from result files"),
    "synthetic": ("communique.synthetic", "write a synthetic corpus of any size for benchmarks"),
    "agreement": ("communique.agreement", "inter-annotator agreement report (alpha, F1) on doubly annotated articles"),
    "adjudicate": ("communique.adjudicate", "merge annotations into gold: agreed items kept, disagreements decided"),
    "add-article": ("communique.contribute:add_article_main", "add an article from a text or Markdown file"),
    "annotate": ("communique.contribute:annotate_main", "start an annotation skeleton pre-filled from the registry"),
    "resolve": ("communique.contribute:resolve_main", "turn spans written as quoted text into offsets"),
    "reanchor": ("communique.contribute:reanchor_main", "bind stale annotations to a corrected article text"),
    "ls-export": ("communique.labelstudio:export_main", "write a Label Studio config and tasks with pre-annotations"),
    "ls-import": ("communique.labelstudio:import_main", "turn a Label Studio JSON export into annotation files"),
    "stats": ("communique.stats", "corpus statistics, coverage targets and the no-template check, into DATASHEET.md"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    rows = "\n".join(f"  {name.ljust(width)}  {summary}" for name, (_, summary) in COMMANDS.items())
    return f"usage: communique COMMAND [ARGS]\n\ncommands:\n{rows}\n\n`communique COMMAND --help` describes each."


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"communique: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module_name, _, function = COMMANDS[name][0].partition(":")
    entry = getattr(importlib.import_module(module_name), function or "main")
    try:
        return entry(rest)
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
