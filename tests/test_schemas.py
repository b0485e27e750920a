"""The compiled fast gate agrees with the reference validator, and the labels schema is generated."""

from __future__ import annotations

import copy
import json

import pytest

from communique.layout import DEFAULT_LAYOUT
from communique.schemas import load_schemas
from communique.taxonomy import labels_schema, load_taxonomy
from tests.conftest import FIXTURES
from tests.test_validate import PROBLEM_FIXTURES, _apply_pointer

BASE = FIXTURES / "base" / "corpus"


def _documents():
    """Every fixture document, valid and broken by each schema-level patch of the problem fixtures."""
    article = json.loads((BASE / "articles" / "fixture-maritime-incident.json").read_text())
    annotation = json.loads((BASE / "annotations" / "fixture-maritime-incident" / "gold.json").read_text())
    registry = json.loads((BASE / "actors.json").read_text())
    originals = {"article": article, "annotation": annotation, "actors": registry}
    yield from originals.items()
    kind_of = {"articles": "article", "annotations": "annotation", "actors.json": "actors"}
    for fixture in PROBLEM_FIXTURES:
        case = json.loads(fixture.read_text())
        for step in case.get("patch", []):
            kind = kind_of[step["file"].split("/")[1]]
            document = copy.deepcopy(originals[kind])
            _apply_pointer(document, step["pointer"], step.get("value"), step.get("remove", False))
            yield kind, document
    for kind, document in originals.items():
        for key in list(document)[:4]:
            broken = copy.deepcopy(document)
            broken[key] = None
            yield kind, broken
    yield "article", {**article, "published": "2023-02-29"}
    yield "article", {**article, "published": "2024-02-29"}
    yield "annotation", {**annotation, "stances": [{**annotation["stances"][0], "source": "@author"}]}
    yield "annotation", {**annotation, "stances": [{**annotation["stances"][0], "source": "@somebody"}]}


@pytest.mark.parametrize("kind,document", list(_documents()))
def test_fast_gate_agrees_with_reference(kind, document):
    schemas = load_schemas()
    assert schemas.fast_accepts(kind, document) == (not schemas.reference_errors(kind, document))


def test_committed_labels_schema_is_generated_from_taxonomy():
    committed = json.loads((DEFAULT_LAYOUT.schema / "labels.schema.json").read_text(encoding="utf-8"))
    assert committed == labels_schema(load_taxonomy()), "run `communique generate` to regenerate schema/labels.schema.json"


def test_event_types_map_to_quad_classes_of_polar_labels():
    taxonomy = load_taxonomy()
    assert set(taxonomy.event_quad_class.values()) == set(taxonomy.quad_classes) - {"neutral"}
    for quad in taxonomy.quad_classes:
        spec = taxonomy.raw["quad_classes"][quad]
        assert taxonomy.quad_class(spec["label"], spec["mode"] or "verbal") == quad
