"""Benchmark of the non-neural baselines: wall time and peak RSS of `communique evaluate`.

Two measurements, each `evaluate` run in a fresh child process (so its peak RSS is its own):

1. the real corpus: every task, the majority, TF-IDF + LR and gazetteer baselines, both split
   schemes, on a copy of the repository's corpus and release (the committed results are not
   touched);
2. growth on synthetic corpora (``--sizes``): each is generated, split and released in
   ``--workdir`` (set-up not timed), then evaluated on the random scheme. A size whose evaluation
   exceeds ``--timeout`` seconds is reported as not finished.

Usage: ``.venv/bin/python scripts/benchmark_baselines.py [--sizes 1000 10000 100000] [--skip-real]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from communique.layout import REPO_ROOT
from communique.markers import replace_block

MODELS = "majority,tfidf-lr,gazetteer"

_CHILD = """
import json, resource, sys, time
from communique.evaluate import main
start = time.perf_counter()
status = main(sys.argv[1:])
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps({"seconds": elapsed, "peak_rss_mib": peak, "status": status}))
"""

_SETUP = """
import sys
from pathlib import Path
from communique.corpus import load_corpus
from communique.release import write_release
from communique.splits import SCHEMES, read_split_file
from communique.splits import main as split_main
from communique.synthetic import generate_corpus
root = Path(sys.argv[1])
layout = generate_corpus(root, int(sys.argv[2]), seed=0)
assert split_main(["--root", str(root)]) == 0
corpus = load_corpus(layout)
layout.release.mkdir(parents=True, exist_ok=True)
write_release(corpus, {s: read_split_file(layout, s) for s in SCHEMES}, layout.release)
"""


def run_evaluate(root: Path, schemes: str, timeout: float) -> dict:
    """Time one `communique evaluate` in a child process; ``None`` figures when it times out."""
    argv = [sys.executable, "-c", _CHILD, "--root", str(root), "--scheme", schemes, "--models", MODELS, "--no-save-models"]
    started = time.perf_counter()
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "peak_rss_mib": None, "status": "timeout", "wall": time.perf_counter() - started}
    lines = [l for l in completed.stdout.splitlines() if l.startswith("BENCH ")]
    if not lines:
        return {"seconds": None, "peak_rss_mib": None, "status": f"failed: {completed.stderr[-500:]}"}
    stages = [l.strip() for l in completed.stdout.splitlines() if "tuned on" in l]
    return {**json.loads(lines[-1][6:]), "stages": stages}


def copy_repository(source: Path, target: Path) -> Path:
    """The corpus, schemas and release of a checkout, without results, in ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    for name in ("corpus", "schema"):
        shutil.copytree(source / name, target / name, ignore=shutil.ignore_patterns("hydrated"))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--workdir", type=Path, default=None, help="where synthetic corpora are built (default: a temporary folder)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed for one evaluation (default 600)")
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="checkout whose corpus and release are the real corpus (default: this one)")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md between the bench-baselines markers")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="communique-baseline-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    if not args.skip_real:
        if not (args.root / "corpus" / "release" / "manifest.json").is_file():
            print("the real corpus has no release yet (run `communique split` and `communique release`); skipping it")
        else:
            real = copy_repository(args.root, workdir / "real")
            result = run_evaluate(real, "all", args.timeout)
            print(json.dumps({"corpus": "real", **result}, indent=1), flush=True)
            rows.append(("real corpus, both schemes", result))
    for size in args.sizes:
        root = workdir / f"synthetic-{size}"
        if not (root / "corpus" / "release" / "manifest.json").is_file():
            shutil.rmtree(root, ignore_errors=True)
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", _SETUP, str(root), str(size)], check=True, capture_output=True)
            print(f"set up {size} synthetic articles (generate, split, release) in {time.perf_counter() - started:.0f} s", flush=True)
        result = run_evaluate(root, "random", args.timeout)
        print(json.dumps({"corpus": f"synthetic-{size}", **result}, indent=1), flush=True)
        rows.append((f"synthetic {size:,}, random scheme", result))
    table = markdown_table(rows, args.timeout)
    print("\n" + table)
    if args.readme:
        readme = REPO_ROOT / "README.md"
        command = "python scripts/benchmark_baselines.py --readme --sizes " + " ".join(map(str, args.sizes))
        readme.write_text(replace_block(readme.read_text(encoding="utf-8"), "bench-baselines", command, table), encoding="utf-8")
    return 0


def markdown_table(rows: list[tuple[str, dict]], timeout: float) -> str:
    """The figures as the README's Markdown table."""
    lines = ["| corpus | evaluate wall time | peak RSS |", "|---|---:|---:|"]
    for name, result in rows:
        seconds = "did not finish in %.0f s" % timeout if result["status"] == "timeout" else f"{result['seconds']:.1f} s"
        memory = "–" if result["peak_rss_mib"] is None else f"{result['peak_rss_mib'] / 1024:.2f} GiB"
        lines.append(f"| {name} | {seconds} | {memory} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
