"""Where things live in a Communiqué checkout: the one map from names to paths."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

GOLD = "gold"
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Layout:
    """Paths of one corpus tree; ``root`` is the folder holding ``corpus/`` and ``schema/``."""

    root: Path

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    @property
    def schema(self) -> Path:
        return self.root / "schema"

    @property
    def articles(self) -> Path:
        return self.corpus / "articles"

    @property
    def annotations(self) -> Path:
        return self.corpus / "annotations"

    @property
    def actors(self) -> Path:
        return self.corpus / "actors.json"

    @property
    def hydrated(self) -> Path:
        return self.corpus / "hydrated"

    @property
    def splits(self) -> Path:
        return self.corpus / "splits"

    @property
    def release(self) -> Path:
        return self.corpus / "release"

    @property
    def taxonomy(self) -> Path:
        return self.schema / "taxonomy.json"

    @property
    def card_source(self) -> Path:
        return self.corpus / "card.json"

    def article(self, article_id: str) -> Path:
        return self.articles / f"{article_id}.json"

    def annotation_dir(self, article_id: str) -> Path:
        return self.annotations / article_id

    def annotation(self, article_id: str, annotator: str) -> Path:
        return self.annotations / article_id / f"{annotator}.json"

    def hydrated_text(self, article_id: str) -> Path:
        return self.hydrated / f"{article_id}.txt"

    def relative(self, path: Path) -> str:
        """``path`` as shown in messages: relative to the root when inside it."""
        root, text = str(self.root), str(path)
        if text.startswith(root + os.sep):
            return text[len(root) + 1 :].replace(os.sep, "/")
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            try:
                return path.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                return str(path)


DEFAULT_LAYOUT = Layout(REPO_ROOT)
