"""Split assignment: grouped by event, stratified, stable under additions, and leak-checked."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique import splits
from communique.corpus import index_corpus, index_of, load_corpus
from communique.jsonio import dumps
from communique.layout import REPO_ROOT, Layout
from communique.splits import SPLITS, EventInfo, stratified_assignment, temporal_assignment, temporal_cutoffs
from communique.synthetic import generate_corpus
from communique.text import sha256_text


@pytest.fixture(scope="module")
def synthetic_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synthetic") / "tree"
    generate_corpus(root, 240, seed=3)
    shutil.copy(REPO_ROOT / "corpus" / "card.json", root / "corpus" / "card.json")
    return root


@pytest.fixture
def corpus_root(synthetic_root: Path, tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(synthetic_root, root)
    return root


def read_split(root: Path, scheme: str) -> dict:
    return json.loads((root / "corpus" / "splits" / f"{scheme}.json").read_text(encoding="utf-8"))


def test_split_writes_both_schemes_deterministically(corpus_root: Path, tmp_path: Path, capsys):
    assert splits.main(["--root", str(corpus_root)]) == 0
    first = {s: (corpus_root / "corpus" / "splits" / f"{s}.json").read_bytes() for s in splits.SCHEMES}
    other = tmp_path / "again"
    shutil.copytree(corpus_root, other)
    shutil.rmtree(other / "corpus" / "splits")
    assert splits.main(["--root", str(other)]) == 0
    assert first == {s: (other / "corpus" / "splits" / f"{s}.json").read_bytes() for s in splits.SCHEMES}
    out = capsys.readouterr().out
    assert "topics:diplomacy" in out and "stance:neutral" in out


def test_random_split_keeps_events_whole_covers_labels_and_is_about_70_15_15(corpus_root: Path):
    assert splits.main(["--root", str(corpus_root), "--scheme", "random"]) == 0
    document = read_split(corpus_root, "random")
    assert list(document["events"]) == sorted(document["events"])
    counts = document["counts"]
    total = sum(counts[s]["articles"] for s in SPLITS)
    assert total == 240
    for split, share in splits.FRACTIONS.items():
        assert abs(counts[split]["articles"] / total - share) < 0.06, counts
        assert all(n > 0 for n in counts[split]["topics"].values()), (split, counts[split]["topics"])
        assert all(n > 0 for n in counts[split]["stance"].values()), (split, counts[split]["stance"])
    corpus = load_corpus(Layout(corpus_root))
    placed = splits.article_splits(index_corpus(Layout(corpus_root)), document)
    assert placed == splits.article_splits(index_of(corpus), document)
    by_event: dict[str, set] = {}
    for article_id, split in placed.items():
        by_event.setdefault(corpus.articles[article_id]["event"], set()).add(split)
    assert all(len(found) == 1 for found in by_event.values())


def test_temporal_split_trains_on_the_past(corpus_root: Path):
    assert splits.main(["--root", str(corpus_root), "--scheme", "temporal"]) == 0
    document = read_split(corpus_root, "temporal")
    cutoffs = document["cutoffs"]
    assert cutoffs["validation"] <= cutoffs["test"]
    events = splits.event_table(index_corpus(Layout(corpus_root)))
    for event, split in document["events"].items():
        date = events[event].date
        expected = "train" if date < cutoffs["validation"] else "validation" if date < cutoffs["test"] else "test"
        assert split == expected


def add_article(root: Path, source_id: str, new_id: str, event: str, text: str | None = None) -> None:
    """Copy an article (and its gold) under a new id and event, optionally with a new text."""
    layout = Layout(root)
    article = json.loads(layout.article(source_id).read_text(encoding="utf-8"))
    gold = json.loads(layout.annotation(source_id, "gold").read_text(encoding="utf-8"))
    article.update(id=new_id, event=event)
    if text is not None:
        article.update(text=text, text_sha256=sha256_text(text), text_length=len(text))
        gold.update(actors=[], stances=[])
    gold.update(article_id=new_id, text_sha256=article["text_sha256"])
    layout.article(new_id).write_text(dumps(article), encoding="utf-8")
    layout.annotation_dir(new_id).mkdir(parents=True, exist_ok=True)
    layout.annotation(new_id, "gold").write_text(dumps(gold), encoding="utf-8")


def test_rerun_after_additions_keeps_assignments(corpus_root: Path, capsys):
    assert splits.main(["--root", str(corpus_root)]) == 0
    before = {s: read_split(corpus_root, s)["events"] for s in splits.SCHEMES}
    for index in range(12):
        add_article(corpus_root, f"synthetic-{index:06d}", f"added-{index:03d}", f"added-event-{index:03d}",
                    text=f"A wholly new report number {index} " + " ".join(f"w{index}x{k}" for k in range(40)))
    assert splits.main(["--root", str(corpus_root)]) == 0
    for scheme in splits.SCHEMES:
        after = read_split(corpus_root, scheme)["events"]
        assert {e: after[e] for e in before[scheme]} == before[scheme]
        assert len(after) == len(before[scheme]) + 12
    assert "MAJOR" not in capsys.readouterr().out


def test_reassign_with_a_new_seed_is_reported_as_major(corpus_root: Path, capsys):
    assert splits.main(["--root", str(corpus_root), "--scheme", "random"]) == 0
    assert splits.main(["--root", str(corpus_root), "--scheme", "random", "--seed", "99"]) == 1
    assert "needs --reassign" in capsys.readouterr().err
    assert splits.main(["--root", str(corpus_root), "--scheme", "random", "--seed", "99", "--reassign"]) == 0
    assert "MAJOR version" in capsys.readouterr().out
    assert read_split(corpus_root, "random")["seed"] == 99


def test_near_duplicates_are_kept_together_and_the_check_catches_leaks(corpus_root: Path, capsys):
    layout = Layout(corpus_root)
    original = json.loads(layout.article("synthetic-000000").read_text(encoding="utf-8"))
    add_article(corpus_root, "synthetic-000000", "rewrite-of-zero", "a-separate-event", text=original["text"] + "\n\nOfficials added nothing.")
    assert splits.main(["--root", str(corpus_root)]) == 0
    for scheme in splits.SCHEMES:
        events = read_split(corpus_root, scheme)["events"]
        assert events["a-separate-event"] == events[original["event"]]
    assert splits.main(["--root", str(corpus_root), "--check"]) == 0
    document = read_split(corpus_root, "random")
    document["events"]["a-separate-event"] = next(s for s in SPLITS if s != document["events"][original["event"]])
    (layout.splits / "random.json").write_text(dumps(document), encoding="utf-8")
    capsys.readouterr()
    assert splits.main(["--root", str(corpus_root), "--check"]) == 1
    err = capsys.readouterr().err
    assert "corpus/splits/random.json: $.events." in err
    assert "near-duplicate articles across splits: rewrite-of-zero" in err or "synthetic-000000" in err


def test_check_reports_unassigned_events_and_bad_files(corpus_root: Path, capsys):
    assert splits.main(["--root", str(corpus_root), "--check"]) == 1
    assert "split file missing; run `communique split`" in capsys.readouterr().err
    (corpus_root / "corpus" / "splits").mkdir()
    (corpus_root / "corpus" / "splits" / "random.json").write_text("[1, 2]", encoding="utf-8")
    assert splits.main(["--root", str(corpus_root)]) == 1
    err = capsys.readouterr().err
    assert "corpus/splits/random.json: $: not a split file" in err and "Traceback" not in err
    assert not (corpus_root / "corpus" / "splits" / "temporal.json").exists()


# ------------------------------------------------------------------ property: nothing ever moves

LABELS = [f"topic:t{i}" for i in range(5)] + ["stance:cooperative", "stance:neutral", "stance:conflictual"]
event_strategy = st.builds(
    lambda size, labels, day: (size, Counter(labels), f"2020-01-{day:02d}"),
    st.integers(1, 4), st.lists(st.sampled_from(LABELS), max_size=5), st.integers(1, 28),
)


def infos(raw: list[tuple[int, Counter, str]], prefix: str) -> dict[str, EventInfo]:
    return {
        f"{prefix}{i:03d}": EventInfo(f"{prefix}{i:03d}", [f"{prefix}{i:03d}-a{k}" for k in range(size)], date, labels)
        for i, (size, labels, date) in enumerate(raw)
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(event_strategy, max_size=25), st.lists(st.lists(event_strategy, max_size=8), max_size=3), st.integers(0, 2**16))
def test_additions_never_move_an_assignment(initial, additions, seed):
    events = infos(initial, "e")
    groups = [[e] for e in events]
    random_assignment = stratified_assignment(events, groups, {}, seed)
    dates = [info.date for info in events.values() for _ in info.articles]
    cutoffs = temporal_cutoffs(events, dates) or {"validation": "2020-01-10", "test": "2020-01-20"}
    temporal = temporal_assignment(events, groups, {}, cutoffs)
    assert set(random_assignment) == set(events) == set(temporal)
    for round_number, batch in enumerate(additions):
        events = {**events, **infos(batch, f"n{round_number}-")}
        groups = [[e] for e in sorted(events)]
        new_random = stratified_assignment(events, groups, random_assignment, seed)
        new_temporal = temporal_assignment(events, groups, temporal, cutoffs)
        assert {e: new_random[e] for e in random_assignment} == random_assignment
        assert {e: new_temporal[e] for e in temporal} == temporal
        assert set(new_random) == set(events) == set(new_temporal)
        assert set(new_random.values()) <= set(SPLITS)
        random_assignment, temporal = new_random, new_temporal
