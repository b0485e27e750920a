"""Shared fixtures. Tests never touch ~/.cache or the repository: Hugging Face caches go to a
temporary folder and everything is offline."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

_HF_HOME = tempfile.mkdtemp(prefix="communique-test-hf-")
os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(_HF_HOME, "hypothesis")
os.environ["HF_HOME"] = _HF_HOME
os.environ["HF_DATASETS_CACHE"] = os.path.join(_HF_HOME, "datasets")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["CROISSANT_CACHE"] = os.path.join(_HF_HOME, "croissant")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ["COMMUNIQUE_NO_CACHE"] = "1"  # commands run by tests never write the repository's .cache/
atexit.register(shutil.rmtree, _HF_HOME, ignore_errors=True)

import pytest  # noqa: E402  (the environment must be set first)
from hypothesis import settings  # noqa: E402

from communique.layout import REPO_ROOT, Layout  # noqa: E402

settings.register_profile("communique", database=None)  # hypothesis keeps no example database
settings.load_profile("communique")

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_EXTERNAL = REPO_ROOT.parent / "shared" / "external"


def build_fixture_corpus(root: Path) -> Layout:
    """A small valid corpus under ``root``: the repository's schemas plus tests/fixtures/base."""
    shutil.copytree(FIXTURES / "base", root, dirs_exist_ok=True)
    shutil.copytree(REPO_ROOT / "schema", root / "schema", dirs_exist_ok=True)
    return Layout(root)


@pytest.fixture
def fixture_corpus(tmp_path: Path) -> Layout:
    return build_fixture_corpus(tmp_path / "tree")
