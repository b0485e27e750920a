"""The corpus pass: forked workers and one process give the same reports, records and release bytes.

The suite's other corpora are below the size at which the pass forks workers; these tests use one
above it, so the parallel path (chunks, window, outcomes crossing processes) is exercised too.
"""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

import pytest

from communique import release, splits, validate
from communique.corpus import _index_unit
from communique.jsonio import dumps
from communique.layout import REPO_ROOT, Layout
from communique.synthetic import generate_corpus

ARTICLES = validate.PARALLEL_THRESHOLD + 37


@pytest.fixture(scope="module")
def large_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pass") / "tree"
    generate_corpus(root, ARTICLES, seed=11)
    shutil.copy(REPO_ROOT / "corpus" / "card.json", root / "corpus" / "card.json")
    (root / "README.md").write_text("# Test\n", encoding="utf-8")
    return root


@pytest.fixture
def two_workers(monkeypatch):
    """The parallel path even on a one-core machine."""
    if validate._fork_context() is None:
        pytest.skip("no fork on this platform: the pass runs in one process")
    monkeypatch.setattr(validate.os, "cpu_count", lambda: 2)


def one_process(monkeypatch) -> None:
    monkeypatch.setattr(validate, "_fork_context", lambda: None)


def test_parallel_and_single_process_passes_agree(large_root: Path, two_workers, monkeypatch):
    layout = Layout(large_root)
    work = partial(_index_unit, with_codes=True)
    parallel = validate.scan(layout, work, validate="all")
    one_process(monkeypatch)
    single = validate.scan(layout, work, validate="all")
    assert parallel.report.ok and parallel.report.articles == single.report.articles == ARTICLES
    assert parallel.report.annotations == single.report.annotations
    assert parallel.validated == single.validated == ARTICLES
    assert parallel.results == single.results


def test_parallel_pass_reports_a_broken_unit_with_its_file(large_root: Path, tmp_path: Path, two_workers):
    root = tmp_path / "tree"
    shutil.copytree(large_root, root)
    layout = Layout(root)
    broken = layout.annotation("synthetic-000431", "gold")
    broken.write_text(broken.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    report = validate.validate_tree(layout)
    assert [(p.file, p.problem) for p in report.errors] == [("corpus/annotations/synthetic-000431/gold.json", "json-invalid")]


def test_release_streamed_from_workers_is_byte_identical_to_one_process(large_root: Path, tmp_path: Path, two_workers, monkeypatch):
    assert splits.main(["--root", str(large_root)]) == 0
    roots = []
    for name in ("parallel", "single"):
        root = tmp_path / name
        shutil.copytree(large_root, root)
        if name == "single":
            one_process(monkeypatch)
        assert release.main(["--root", str(root)]) == 0
        roots.append(root)
    assert release.differing_files(roots[0] / "corpus" / "release", roots[1] / "corpus" / "release") == []
    assert (roots[0] / "README.md").read_bytes() == (roots[1] / "README.md").read_bytes()


def test_a_write_error_in_the_writer_thread_reaches_the_caller(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "articles").write_text("a file where a folder must go\n", encoding="utf-8")
    files = release.DataFiles(tmp_path, {"random": {"events": {"e1": "train"}}})
    record = release.ArticleRecord("a1", "e1", "2024-01-01", "0" * 64, True, True, ())
    files.add(release.ArticleRows(record, True, {"articles": (dumps({"id": "a1"}).encode(), 1)}))
    with pytest.raises(OSError):
        files.close()
