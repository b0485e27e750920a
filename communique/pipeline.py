"""The main job: validate, check gold and reports, split, release, evaluate, print the leaderboard.

Each step is the same command a user can run alone; the job stops at the first that fails and
exits with its status. Split, release and evaluation are deterministic, so on an unchanged
checkout the job leaves the committed files byte-identical.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from communique.layout import DEFAULT_LAYOUT


def steps(root: str, scheme_args: list[str]) -> list[tuple[str, str, list[str]]]:
    """(title, module, argv) of every step, in order."""
    where = ["--root", root]
    return [
        ("validate the corpus", "communique.validate", where),
        ("check gold against annotations and decisions", "communique.adjudicate", [*where, "--check"]),
        ("check the agreement report", "communique.agreement", [*where, "--check"]),
        ("check the statistics", "communique.stats", [*where, "--check"]),
        ("assign new events to splits and check leakage", "communique.splits", where),
        ("build the release", "communique.release", where),
        ("train and evaluate every baseline", "communique.evaluate", [*where, *scheme_args]),
        ("generate the leaderboard", "communique.leaderboard", where),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="communique all", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(DEFAULT_LAYOUT.root))
    parser.add_argument("--skip-baselines", action="store_true", help="stop after the release")
    args = parser.parse_args(argv)
    for title, module, step_argv in steps(args.root, []):
        if args.skip_baselines and module in ("communique.evaluate", "communique.leaderboard"):
            continue
        print(f"\n== {title}: communique {module.rsplit('.', 1)[1]} {' '.join(step_argv)}", flush=True)
        started = time.perf_counter()
        status = importlib.import_module(module).main(step_argv)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
        if status != 0:
            print(f"\nstopped: step '{title}' failed with status {status}", file=sys.stderr)
            return status
    return 0
