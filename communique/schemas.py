"""The JSON Schemas of corpus files: the reference validator and a compiled fast gate.

``jsonschema`` (Draft 2020-12, with a format checker) is the reference: it produces the full
error report. ``fastjsonschema`` compiles the same schemas, with every ``$ref`` inlined, into a
pass/fail gate about twenty times faster; documents it passes skip the reference run. The gate is
sound only because the schemas use keywords both implementations read the same way (no
``unevaluatedProperties``), dates are checked by the same function in both, and a test runs
both over valid and broken documents.
"""

from __future__ import annotations

import copy
import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterator

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from communique.layout import DEFAULT_LAYOUT
from communique.taxonomy import labels_schema, load_taxonomy

SCHEMA_NAMES = ("article", "annotation", "actors")
SCHEMA_FILES = ("common.schema.json", "article.schema.json", "annotation.schema.json", "actors.schema.json")


def is_calendar_date(value: object) -> bool:
    """A real ``YYYY-MM-DD`` date: ``2024-02-30`` is not one."""
    if not isinstance(value, str):
        return True
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


FORMAT_CHECKER = FormatChecker(formats=())
FORMAT_CHECKER.checks("date")(is_calendar_date)


@dataclass(frozen=True)
class SchemaError:
    """One schema violation: where in the document, which keyword, and what is wrong."""

    json_path: str
    keyword: str
    message: str


@dataclass
class SchemaSet:
    """The loaded schemas: a reference validator and a fast gate per document kind."""

    reference: dict[str, Draft202012Validator]
    fast: dict[str, Callable[[Any], Any]]

    def errors(self, kind: str, document: Any) -> list[SchemaError]:
        """Every violation of schema ``kind`` in ``document``, empty when it conforms."""
        try:
            self.fast[kind](document)
            return []
        except fastjsonschema.JsonSchemaException:
            pass
        return list(_reference_errors(self.reference[kind], document))

    def reference_errors(self, kind: str, document: Any) -> list[SchemaError]:
        """Every violation found by the reference validator alone (used to test the gate)."""
        return list(_reference_errors(self.reference[kind], document))

    def fast_accepts(self, kind: str, document: Any) -> bool:
        """Whether the compiled gate accepts ``document``."""
        try:
            self.fast[kind](document)
        except fastjsonschema.JsonSchemaException:
            return False
        return True


def _reference_errors(validator: Draft202012Validator, document: Any) -> Iterator[SchemaError]:
    for error in sorted(validator.iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.validator)):
        for leaf in _leaves(error):
            yield SchemaError(leaf.json_path, str(leaf.validator), _message(leaf))


def _leaves(error):
    """The most specific errors under a ``oneOf``/``anyOf`` failure, so messages name the real field."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = min(error.context, key=lambda e: (len(list(e.relative_schema_path)) == 0, -len(e.absolute_path)))
        branch = best.relative_schema_path[0] if best.relative_schema_path else None
        chosen = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] == branch]
        if any(e.validator == "const" and e.absolute_path and e.absolute_path[-1] == "kind" for e in chosen):
            return [error]
        return [leaf for e in chosen for leaf in _leaves(e)]
    return [error]


def _message(error) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unexpected field(s)")
    if error.validator == "required":
        return error.message.replace("is a required property", "is required but missing")
    return error.message


def schema_documents(schema_dir: Path) -> dict[str, dict[str, Any]]:
    """Every schema file by file name, with the labels schema built from the taxonomy."""
    documents = {name: json.loads((schema_dir / name).read_text(encoding="utf-8")) for name in SCHEMA_FILES}
    documents["labels.schema.json"] = labels_schema(load_taxonomy(schema_dir / "taxonomy.json"))
    return documents


def _inline(node: Any, documents: dict[str, dict[str, Any]], here: str) -> Any:
    """A copy of ``node`` with every ``$ref`` replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            target_file, _, pointer = node["$ref"].partition("#")
            target_file = target_file or here
            target: Any = documents[target_file]
            for part in filter(None, pointer.split("/")):
                target = target[part]
            return _inline(target, documents, target_file)
        return {key: _inline(value, documents, here) for key, value in node.items() if key not in ("$id", "$schema", "$defs")}
    if isinstance(node, list):
        return [_inline(item, documents, here) for item in node]
    return node


@cache
def load_schemas(schema_dir: Path = DEFAULT_LAYOUT.schema) -> SchemaSet:
    """Build both validators for every document kind from the files in ``schema_dir``."""
    documents = schema_documents(schema_dir)
    registry = Registry().with_resources(
        (doc.get("$id", f"https://communique.invalid/schema/{name}"), Resource.from_contents(doc))
        for name, doc in documents.items()
    )
    reference, fast = {}, {}
    for kind in SCHEMA_NAMES:
        schema = documents[f"{kind}.schema.json"]
        reference[kind] = Draft202012Validator(schema, registry=registry, format_checker=FORMAT_CHECKER)
        bundled = _inline(copy.deepcopy(schema), documents, f"{kind}.schema.json")
        bundled["$schema"] = "http://json-schema.org/draft-07/schema#"
        fast[kind] = fastjsonschema.compile(bundled, formats={"date": is_calendar_date})
    return SchemaSet(reference, fast)

