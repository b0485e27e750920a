"""The release build: deterministic bytes, exact features on load, a valid card and Croissant file,
external texts left out, and a check that catches a stale release."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from communique import release, splits
from communique.jsonio import dumps
from communique.layout import REPO_ROOT, Layout
from communique.synthetic import generate_corpus

README_BODY = "# Communiqué\n\nBody text that the card generator must never touch.\n"


@pytest.fixture(scope="module")
def built_root(tmp_path_factory) -> Path:
    """A synthetic corpus of 60 articles, one turned external, split and released once."""
    root = tmp_path_factory.mktemp("release") / "tree"
    generate_corpus(root, 60, seed=5)
    layout = Layout(root)
    shutil.copy(REPO_ROOT / "corpus" / "card.json", layout.card_source)
    external = json.loads(layout.article("synthetic-000007").read_text(encoding="utf-8"))
    text = external.pop("text")
    external["source"] = {"kind": "external", "outlet": "Some Wire", "url": "https://example.org/story", "license": "all rights reserved"}
    layout.article("synthetic-000007").write_text(dumps(external), encoding="utf-8")
    (root / "hidden-text.txt").write_text(text, encoding="utf-8")
    reference_article = json.loads(layout.article("synthetic-000003").read_text(encoding="utf-8"))
    reference_article["source"]["references"] = [{"outlet": "Wire", "title": "Year only", "date": "2019"},
                                                 {"outlet": "Wire", "title": "Month", "date": "2019-04", "url": "https://example.org/m"}]
    layout.article("synthetic-000003").write_text(dumps(reference_article), encoding="utf-8")
    for index in range(0, 60, 4):
        article_id = f"synthetic-{index:06d}"
        raw = json.loads(layout.annotation(article_id, "gold").read_text(encoding="utf-8"))
        del raw["adjudication"]
        raw["annotator"] = "ann-a"
        layout.annotation(article_id, "ann-a").write_text(dumps(raw), encoding="utf-8")
    (root / "README.md").write_text(README_BODY, encoding="utf-8")
    assert splits.main(["--root", str(root)]) == 0
    assert release.main(["--root", str(root)]) == 0
    return root


def copy_of(root: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(root, target)
    return target


def same_tree(a: Path, b: Path) -> bool:
    return release.differing_files(a, b) == []


def test_two_builds_are_byte_identical(built_root: Path, tmp_path: Path):
    other = copy_of(built_root, tmp_path)
    shutil.rmtree(other / "corpus" / "release")
    assert release.main(["--root", str(other)]) == 0
    assert same_tree(built_root / "corpus" / "release", other / "corpus" / "release")
    assert (built_root / "README.md").read_bytes() == (other / "README.md").read_bytes()
    assert release.main(["--root", str(other)]) == 0
    assert (built_root / "README.md").read_bytes() == (other / "README.md").read_bytes()


def test_readme_body_is_kept_and_front_matter_is_generated(built_root: Path):
    readme = (built_root / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("---\n")
    assert readme.endswith(README_BODY)
    assert readme.count("\n---\n") == 1


def test_manifest_hashes_every_file_and_lists_left_out_articles(built_root: Path):
    out = built_root / "corpus" / "release"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == (built_root / "corpus" / "VERSION").read_text(encoding="utf-8").strip()
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == files
    assert manifest["left_out"]["unhydrated_external"] == ["synthetic-000007"]
    assert {c for c in manifest["configs"]} >= {"articles", "topics", "stance", "actors", "articles-temporal", "topics-temporal",
                                                 "stance-temporal", "actors-temporal", "annotations"}
    texts = (out / "data" / "articles").glob("*.jsonl")
    assert not any('"synthetic-000007"' in p.read_text(encoding="utf-8") for p in texts)
    assert sum(s["rows"] for s in manifest["configs"]["articles"]["splits"].values()) == 59
    assert sum(s["rows"] for s in manifest["configs"]["annotations"]["splits"].values()) == 15


def test_hydrated_text_does_not_change_the_committed_release(built_root: Path, tmp_path: Path):
    other = copy_of(built_root, tmp_path)
    layout = Layout(other)
    layout.hydrated.mkdir(parents=True)
    shutil.copy(other / "hidden-text.txt", layout.hydrated_text("synthetic-000007"))
    assert release.main(["--root", str(other)]) == 0
    assert same_tree(built_root / "corpus" / "release", layout.release)
    private = tmp_path / "private"
    assert release.main(["--root", str(other), "--include-hydrated", str(private)]) == 0
    manifest = json.loads((private / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["include_hydrated"] is True and manifest["left_out"]["unhydrated_external"] == []
    assert release.main(["--root", str(other), "--include-hydrated", str(layout.release / "x")]) == 1


def test_check_passes_when_fresh_and_names_stale_files(built_root: Path, tmp_path: Path, capsys):
    assert release.main(["--root", str(built_root), "--check"]) == 0
    other = copy_of(built_root, tmp_path)
    stale = other / "corpus" / "release" / "data" / "topics" / "train.jsonl"
    stale.write_text(stale.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert release.main(["--root", str(other), "--check"]) == 1
    err = capsys.readouterr().err
    assert "corpus/release/data/topics/train.jsonl" in err and "run `communique release` to rebuild" in err


def test_invalid_card_source_is_a_located_error_and_nothing_is_written(built_root: Path, tmp_path: Path, capsys):
    other = copy_of(built_root, tmp_path)
    Layout(other).card_source.write_text('{"licence": "x"}', encoding="utf-8")
    before = (other / "corpus" / "release" / "manifest.json").read_bytes()
    assert release.main(["--root", str(other)]) == 1
    err = capsys.readouterr().err
    assert "corpus/card.json: $.licence: unknown card field" in err and "Traceback" not in err
    assert (other / "corpus" / "release" / "manifest.json").read_bytes() == before
    assert not list((other / "corpus").glob(".release*"))


def test_card_metadata_reads_back_with_huggingface_hub(built_root: Path):
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCard
    from datasets.utils.metadata import MetadataConfigs

    card = DatasetCard.load(built_root / "README.md")
    data = card.data
    assert data.license == "cc-by-4.0" and data.language == ["en"] and data.size_categories == ["n<1K"]
    configs = MetadataConfigs.from_dataset_card_data(data)
    assert configs["articles"]["default"] is True
    infos = DatasetInfosDict.from_dataset_card_data(data)
    from communique.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(Layout(built_root).taxonomy)
    for spec in release.config_specs():
        assert infos[spec.name].features == release.features_for(spec.kind, taxonomy)
    assert infos["topics"].features["primary"].names == list(taxonomy.topics)


def normalise(value):
    """Loaded values as JSON values: dates back to ISO strings."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def test_every_config_loads_offline_with_declared_features_and_source_values(built_root: Path, tmp_path: Path):
    import datasets

    manifest = json.loads((built_root / "corpus" / "release" / "manifest.json").read_text(encoding="utf-8"))
    from communique.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(Layout(built_root).taxonomy)
    for spec in release.config_specs():
        loaded = datasets.load_dataset(str(built_root.resolve()), spec.name, cache_dir=str(tmp_path / f"cache-{spec.name}"))
        declared = release.features_for(spec.kind, taxonomy)
        assert set(loaded) == set(manifest["configs"][spec.name]["splits"])
        for split, dataset in loaded.items():
            assert dataset.features == declared
            path = built_root / "corpus" / "release" / manifest["configs"][spec.name]["splits"][split]["file"]
            source = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            assert len(dataset) == len(source)
            for got, want in zip(dataset, source):
                decoded = normalise(got)
                expected = declared.encode_example(want)
                for key in declared:
                    assert decoded[key] == normalise(expected[key]), (spec.name, split, key)
    articles = datasets.load_dataset(str(built_root.resolve()), cache_dir=str(tmp_path / "cache-default"))
    assert "published" in articles["train"].features and articles["train"].features["published"].dtype == "date32"


def test_reference_dates_of_any_precision_survive(built_root: Path, tmp_path: Path):
    import datasets

    loaded = datasets.load_dataset(str(built_root.resolve()), "articles", cache_dir=str(tmp_path / "c"))
    rows = [r for split in loaded.values() for r in split if r["id"] == "synthetic-000003"]
    references = rows[0]["source"]["references"]
    assert [(r["date"].isoformat(), r["date_precision"]) for r in references] == [("2019-01-01", "year"), ("2019-04-01", "month")]


def test_croissant_file_validates(built_root: Path):
    croissant = built_root / "corpus" / "release" / "croissant.json"
    result = subprocess.run([str(Path(sys.executable).parent / "mlcroissant"), "validate", "--jsonld", str(croissant)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(croissant.read_text(encoding="utf-8"))
    assert {"samplingRate", "equivalentProperty"} <= set(data["@context"])
    files = [d for d in data["distribution"] if d["@type"] == "cr:FileObject"]
    assert files and all(len(d["sha256"]) == 64 for d in files)


def test_croissant_records_load(built_root: Path):
    mlcroissant = pytest.importorskip("mlcroissant")
    dataset = mlcroissant.Dataset(jsonld=built_root / "corpus" / "release" / "croissant.json")
    records = list(dataset.records(record_set="stance"))
    manifest = json.loads((built_root / "corpus" / "release" / "manifest.json").read_text(encoding="utf-8"))
    assert len(records) == sum(s["rows"] for s in manifest["configs"]["stance"]["splits"].values())
    assert {r["stance/split"] for r in records} <= {b"train", b"validation", b"test"}


def test_changelog_block_is_generated_for_the_current_version_only(built_root: Path):
    changelog = (built_root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.count("<!-- counts-0.1.0:begin (generated by `communique release`; do not edit) -->") == 1
    manifest = json.loads((built_root / "corpus" / "release" / "manifest.json").read_text(encoding="utf-8"))
    older = changelog.replace("0.1.0", "0.0.9")
    updated = release.with_changelog_counts(older, manifest)
    assert "<!-- counts-0.0.9:begin" in updated and "<!-- counts-0.1.0:begin" in updated
    assert release.with_changelog_counts(updated, manifest) == updated


def test_front_matter_replacement_is_idempotent():
    body = "# Title\n\n---\n\nA rule above is body text.\n"
    once = release.with_front_matter(body, "a: 1\n")
    assert once == "---\na: 1\n---\n" + body
    assert release.with_front_matter(once, "a: 2\n") == "---\na: 2\n---\n" + body
    assert release.with_front_matter("---\n---\n" + body, "a: 3\n") == "---\na: 3\n---\n" + body


@pytest.mark.parametrize("command", [release.main, splits.main])
def test_commands_describe_themselves(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        command(["--help"])
    assert exit_info.value.code == 0
    assert "--check" in capsys.readouterr().out


def test_committed_release_is_what_the_sources_build():
    """CI guard: the repository's committed release must be rebuilt after any corpus change."""
    if not (REPO_ROOT / "corpus" / "release" / "manifest.json").exists():
        pytest.skip("no committed release yet (corpus/release is built by the lead at release time)")
    assert release.main(["--check"]) == 0, "the committed release is stale: run `communique release`"


def test_committed_release_loads_with_declared_features(tmp_path: Path):
    """The repository itself loads, config by config, offline and with exactly the declared features."""
    import datasets

    from communique.taxonomy import load_taxonomy

    manifest_path = REPO_ROOT / "corpus" / "release" / "manifest.json"
    if not manifest_path.exists():
        pytest.skip("no committed release yet")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    taxonomy = load_taxonomy(REPO_ROOT / "schema" / "taxonomy.json")
    for spec in release.config_specs():
        if not manifest["configs"][spec.name]["splits"]:
            continue
        loaded = datasets.load_dataset(str(REPO_ROOT), spec.name, cache_dir=str(tmp_path / spec.name))
        for split, dataset in loaded.items():
            assert dataset.features == release.features_for(spec.kind, taxonomy)
            assert len(dataset) == manifest["configs"][spec.name]["splits"][split]["rows"]


def test_release_without_splits_is_refused(built_root: Path, tmp_path: Path, capsys):
    other = copy_of(built_root, tmp_path)
    shutil.rmtree(other / "corpus" / "splits")
    readme = (other / "README.md").read_bytes()
    assert release.main(["--root", str(other)]) == 1
    err = capsys.readouterr().err
    assert "corpus/splits/random.json: $: split file missing; run `communique split`" in err and "nothing was written" in err
    assert (other / "README.md").read_bytes() == readme
    assert same_tree(built_root / "corpus" / "release", other / "corpus" / "release")
