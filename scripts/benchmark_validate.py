"""Benchmark: validation throughput against the throughput of merely reading and parsing.

Generates synthetic corpora of the given sizes in a temporary folder, then measures, per size:
parse-only (read + ``json.loads`` of every article and annotation, one process, warm page cache), validation with
one worker, and validation with every core. Peak RSS of the validating processes shows whether
memory stays flat in N. Run: ``.venv/bin/python scripts/benchmark_validate.py --sizes 1000 10000 100000``.
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

from communique.layout import REPO_ROOT, Layout
from communique.markers import replace_block
from communique.synthetic import generate_corpus


def parse_only(layout: Layout) -> tuple[float, int]:
    """Seconds to read and parse every corpus file once, and the number of files."""
    start = time.perf_counter()
    count = 0
    for path in sorted(layout.articles.iterdir()):
        json.loads(path.read_bytes())
        count += 1
    for folder in sorted(layout.annotations.iterdir()):
        for path in sorted(folder.iterdir()):
            json.loads(path.read_bytes())
            count += 1
    return time.perf_counter() - start, count


def validate_in_subprocess(root: Path, jobs: int) -> tuple[float, float]:
    """Seconds and peak RSS (MiB, largest process) of ``communique validate`` in a fresh process."""
    script = (
        "import resource, sys, time\n"
        "from pathlib import Path\n"
        "from communique.layout import Layout\n"
        "from communique.validate import validate_tree\n"
        "start = time.perf_counter()\n"
        f"report = validate_tree(Layout(Path({str(root)!r})), jobs={jobs})\n"
        "elapsed = time.perf_counter() - start\n"
        "assert report.ok, report.errors[:3]\n"
        "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(elapsed, max(own, kids) / 1024)\n"
    )
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    elapsed, rss = output.split()
    return float(elapsed), float(rss)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md between the bench-validate markers")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    rows = []
    print(f"{'articles':>9} {'files':>7} {'parse/s':>9} {'valid 1 core/s':>15} {'valid {0} cores/s'.format(cores):>15} {'ratio':>6} {'peak RSS MiB':>12}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="communique-bench-") as folder:
            layout = generate_corpus(Path(folder), size, args.seed)
            parse_only(layout)
            parse_seconds, files = parse_only(layout)
            one_seconds, _ = validate_in_subprocess(layout.root, 1)
            all_seconds, rss = validate_in_subprocess(layout.root, cores)
        row = {
            "articles": size,
            "files": files,
            "parse_docs_per_s": files / parse_seconds,
            "validate_1_core_docs_per_s": files / one_seconds,
            "validate_all_cores_docs_per_s": files / all_seconds,
            "ratio_all_cores_to_parse": parse_seconds / all_seconds,
            "peak_rss_mib": rss,
            "cores": cores,
        }
        rows.append(row)
        print(
            f"{size:>9} {files:>7} {row['parse_docs_per_s']:>9.0f} {row['validate_1_core_docs_per_s']:>15.0f} "
            f"{row['validate_all_cores_docs_per_s']:>15.0f} {row['ratio_all_cores_to_parse']:>6.0%} {rss:>12.0f}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    if args.readme:
        readme = REPO_ROOT / "README.md"
        command = "python scripts/benchmark_validate.py --readme --sizes " + " ".join(map(str, args.sizes))
        readme.write_text(replace_block(readme.read_text(encoding="utf-8"), "bench-validate", command, markdown_table(rows)), encoding="utf-8")
    return 0


def markdown_table(rows: list[dict]) -> str:
    """The figures as the README's Markdown table."""
    lines = [
        "| articles | files | parse only, docs/s | validate 1 core, docs/s | validate all cores, docs/s | validate ÷ parse | peak RSS |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['articles']:,} | {row['files']:,} | {row['parse_docs_per_s']:,.0f} | {row['validate_1_core_docs_per_s']:,.0f} | "
            f"{row['validate_all_cores_docs_per_s']:,.0f} ({row['cores']} cores) | {row['ratio_all_cores_to_parse']:.0%} | {row['peak_rss_mib']:.0f} MiB |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
