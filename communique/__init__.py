"""Communiqué: a corpus of international-relations news annotated for topics, actors and stance."""

from communique.layout import DEFAULT_LAYOUT

__version__ = (DEFAULT_LAYOUT.corpus / "VERSION").read_text(encoding="utf-8").strip()
