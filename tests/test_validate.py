"""The validator on a clean fixture corpus and on one broken input per problem id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from communique.layout import Layout
from communique.validate import ERROR, PROBLEM_LEVELS, main, validate_tree
from tests.conftest import FIXTURES

PROBLEM_FIXTURES = sorted((FIXTURES / "problems").glob("*.json"))


def _apply_pointer(document, pointer: str, value=None, remove: bool = False):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    node = document
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if remove:
        del node[int(last) if isinstance(node, list) else last]
    elif isinstance(node, list):
        node.append(value) if last == "-" else node.__setitem__(int(last), value)
    else:
        node[last] = value


def apply_case(layout: Layout, case: dict) -> None:
    """Break a copy of the fixture corpus as the case says."""
    root = layout.root
    for step in case.get("patch", []):
        path = root / step["file"]
        document = json.loads(path.read_text(encoding="utf-8"))
        _apply_pointer(document, step["pointer"], step.get("value"), step.get("remove", False))
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    for name, document in case.get("write", {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    for name, text in case.get("write_text", {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(text.encode("utf-8"))
    for name, hexdata in case.get("write_hex", {}).items():
        (root / name).write_bytes(bytes.fromhex(hexdata))
    for name, size in case.get("large", {}).items():
        with open(root / name, "wb") as stream:
            stream.truncate(size)
    for name, target in case.get("symlink", {}).items():
        (root / name).symlink_to(root / target)


def test_fixture_corpus_is_valid(fixture_corpus):
    report = validate_tree(fixture_corpus)
    assert report.problems == []
    assert (report.articles, report.annotations) == (2, 4)


def test_every_problem_id_has_a_failing_fixture():
    covered = {json.loads(p.read_text())["expect"][0]["problem"] for p in PROBLEM_FIXTURES}
    assert covered == set(PROBLEM_LEVELS)


@pytest.mark.parametrize("fixture", PROBLEM_FIXTURES, ids=lambda p: p.stem)
def test_broken_input_is_reported(fixture: Path, fixture_corpus: Layout):
    case = json.loads(fixture.read_text(encoding="utf-8"))
    apply_case(fixture_corpus, case)
    report = validate_tree(fixture_corpus, jobs=1)
    found = [(p.problem, p.file, p.json_path) for p in report.problems]
    for expected in case["expect"]:
        matches = [
            p for p in report.problems
            if (p.problem, p.file, p.json_path) == (expected["problem"], expected["file"], expected["json_path"])
        ]
        assert matches, f"{expected} not in {found}"
        assert any(expected["message"] in p.message for p in matches), [p.message for p in matches]
    expected_errors = any(PROBLEM_LEVELS[e["problem"]] == ERROR for e in case["expect"])
    assert report.ok is not expected_errors


def test_command_reports_every_problem_and_exits_1(fixture_corpus: Layout, capsys):
    for name in ("span-reversed", "registry-reference-unknown", "json-bom"):
        apply_case(fixture_corpus, json.loads((FIXTURES / "problems" / f"{name}.json").read_text()))
    assert main(["--root", str(fixture_corpus.root)]) == 1
    out = capsys.readouterr().out
    assert "[span-reversed]" in out and "[registry-reference-unknown]" in out and "[json-bom]" in out
    assert "Traceback" not in out
    assert out.strip().endswith("INVALID")


def test_command_is_clean_and_writes_nothing(fixture_corpus: Layout, capsys):
    before = sorted(p.relative_to(fixture_corpus.root) for p in fixture_corpus.root.rglob("*"))
    assert main(["--root", str(fixture_corpus.root)]) == 0
    assert sorted(p.relative_to(fixture_corpus.root) for p in fixture_corpus.root.rglob("*")) == before
    assert "valid" in capsys.readouterr().out


def test_parallel_run_matches_serial_run(tmp_path: Path):
    from communique.synthetic import generate_corpus

    layout = generate_corpus(tmp_path / "syn", 450, seed=3)
    broken = layout.annotation("synthetic-000007", "gold")
    data = json.loads(broken.read_text())
    data["actors"][0]["mentions"][0]["text"] = "nonsense"
    broken.write_text(json.dumps(data))
    serial, parallel = validate_tree(layout, jobs=1), validate_tree(layout, jobs=2)
    assert serial.problems == parallel.problems
    assert [p.problem for p in serial.problems] == ["mention-text-mismatch"]


def test_missing_schema_folder_is_a_clear_error(tmp_path: Path, capsys):
    assert main(["--root", str(tmp_path)]) == 2
    assert "no schema folder" in capsys.readouterr().err



def test_serial_run_covers_more_than_one_batch(tmp_path: Path, monkeypatch):
    from communique import validate
    from communique.synthetic import generate_corpus

    monkeypatch.setattr(validate, "BATCH", 7)
    monkeypatch.setattr(validate, "PARALLEL_THRESHOLD", 5)
    layout = generate_corpus(tmp_path / "syn", 23, seed=1)
    report = validate_tree(layout, jobs=1)
    assert (report.articles, report.annotations, report.ok) == (23, 23, True)
    assert validate_tree(layout, jobs=2).articles == 23
