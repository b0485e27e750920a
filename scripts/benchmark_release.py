"""Benchmark: split + release wall time and peak memory, and load_dataset against the read floor.

On a synthetic corpus of N articles (``communique.synthetic.generate_corpus``; generation is not
timed) this measures, each step in a fresh process:

- ``communique split`` and ``communique release``: wall time and peak RSS (the process and its
  workers). The local cache (``<root>/.cache``) is deleted first, so ``split`` validates every
  unit and searches near-duplicates from scratch; ``release`` then finds both results cached for
  the unchanged tree, as it does when the two commands run one after the other. Every corpus file
  is read once before ``split`` (not timed), so the operating system's page cache holds the tree
  as it does after a checkout or an edit: the figure is the commands' own cost, not the disk's
  (on the machine of the README's table a cold page cache added up to a minute to ``split``);
- ``load_dataset(<root>, "articles")``: cold (builds the Arrow cache) and warm (cache reused),
  against the floor of reading the same JSONL files directly with pyarrow and with pandas.

Targets: split + release <= 120 s on 2 cores at 100k articles, peak RSS <= 2 GiB, warm
load_dataset <= 1.5x the pyarrow floor. Run:
``.venv/bin/python scripts/benchmark_release.py --articles 100000 --workdir /tmp/communique-bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from communique.layout import REPO_ROOT
from communique.markers import replace_block
from communique.synthetic import generate_corpus

_MEASURE = """
import json, resource, sys, time
{setup}
start = time.perf_counter()
{body}
elapsed = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({{"seconds": elapsed, "peak_rss_mib": max(own, kids) / 1024, "status": status}}))
"""

STEPS = {
    "split": ("from communique.splits import main", "status = main(['--root', {root!r}])"),
    "release": ("from communique.release import main", "status = main(['--root', {root!r}])"),
    "load_dataset": ("import datasets", "d = datasets.load_dataset({root!r}, 'articles', cache_dir={cache!r})\nstatus = 0"),
    "pyarrow_floor": ("import glob, pyarrow.json as pj",
                      "t = [pj.read_json(f) for f in sorted(glob.glob({root!r} + '/corpus/release/data/articles/*.jsonl'))]\nstatus = 0"),
    "pandas_floor": ("import glob, pandas as pd",
                     "t = [pd.read_json(f, lines=True, dtype=False) for f in sorted(glob.glob({root!r} + '/corpus/release/data/articles/*.jsonl'))]\nstatus = 0"),
}


def measure(step: str, root: Path, cache: Path) -> dict:
    """Run one step in a fresh interpreter (imports untimed); returns seconds, peak RSS (MiB) and exit status."""
    if step == "split":  # cold: nothing validated or searched yet; the files themselves in the page cache
        subprocess.run(["rm", "-rf", str(root / ".cache")], check=True)
        warm_page_cache(root / "corpus")
    setup, body = (part.format(root=str(root), cache=str(cache)) for part in STEPS[step])
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(cache / "hf-home"),
           "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
    result = subprocess.run([sys.executable, "-c", _MEASURE.format(setup=setup, body=body)], capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{step} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def warm_page_cache(folder: Path) -> None:
    """Read every corpus file under ``folder`` once (the release is rebuilt, not read), so the timed
    steps find them in the page cache."""
    for directory, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if name != "release"]
        for name in names:
            with open(os.path.join(directory, name), "rb") as stream:
                while stream.read(1 << 20):
                    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="synthetic corpus size (default 100000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="where to put the corpus (default: a temporary folder); an existing corpus there is reused")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md between the bench-release markers")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="communique-bench-release-") as scratch:
        workdir = (args.workdir or Path(scratch)).resolve()
        root = workdir / f"synthetic-{args.articles}"
        if not (root / "corpus" / "articles").is_dir():
            start = time.perf_counter()
            generate_corpus(root, args.articles, args.seed)
            print(f"generated {args.articles} articles in {time.perf_counter() - start:.1f} s (not timed below)", flush=True)
        for target in (root / "corpus" / "splits", root / "corpus" / "release", root / ".cache"):
            if target.exists():
                subprocess.run(["rm", "-rf", str(target)], check=True)
        card = root / "corpus" / "card.json"
        if not card.exists():
            card.write_text((REPO_ROOT / "corpus" / "card.json").read_text(encoding="utf-8"), encoding="utf-8")
        cache = workdir / "hf-cache"
        subprocess.run(["rm", "-rf", str(cache)], check=True)
        cache.mkdir(parents=True)
        results: dict[str, dict] = {}
        for step in ["split", "release", "load_dataset", "load_dataset", "pyarrow_floor", "pandas_floor"]:
            name = "load_dataset_warm" if step == "load_dataset" and "load_dataset_cold" in results else ("load_dataset_cold" if step == "load_dataset" else step)
            results[name] = measure(step, root, cache)
            print(f"{name:18s} {results[name]['seconds']:8.2f} s   peak RSS {results[name]['peak_rss_mib']:8.0f} MiB", flush=True)
        release_bytes = sum(p.stat().st_size for p in (root / "corpus" / "release").rglob("*") if p.is_file())
        summary = {
            "articles": args.articles,
            "cores": os.cpu_count(),
            "split_plus_release_seconds": results["split"]["seconds"] + results["release"]["seconds"],
            "peak_rss_mib": max(results["split"]["peak_rss_mib"], results["release"]["peak_rss_mib"]),
            "release_bytes": release_bytes,
            "load_dataset_warm_over_pyarrow": results["load_dataset_warm"]["seconds"] / results["pyarrow_floor"]["seconds"],
            "steps": results,
        }
        print(json.dumps(summary, indent=2))
    if args.readme:
        readme = REPO_ROOT / "README.md"
        command = f"python scripts/benchmark_release.py --readme --articles {args.articles}"
        readme.write_text(replace_block(readme.read_text(encoding="utf-8"), "bench-release", command, markdown_table(summary)), encoding="utf-8")
    return 0


def markdown_table(summary: dict) -> str:
    """The figures as the README's Markdown table."""
    steps = summary["steps"]
    seconds = lambda name: f"{steps[name]['seconds']:.1f} s"  # noqa: E731
    return "\n".join([
        "| articles | `split` (cold) | `release` | split + release | peak RSS | release size | `load_dataset` cold / warm | pyarrow / pandas read |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary['articles']:,} | {seconds('split')} | {seconds('release')} | "
        f"{summary['split_plus_release_seconds']:.0f} s | {summary['peak_rss_mib'] / 1024:.1f} GiB | {summary['release_bytes'] / 1e9:.2f} GB | "
        f"{seconds('load_dataset_cold')} / {seconds('load_dataset_warm')} | {seconds('pyarrow_floor')} / {seconds('pandas_floor')} |",
    ])


if __name__ == "__main__":
    sys.exit(main())
