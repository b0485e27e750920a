"""Release lines are written by orjson; they must be the bytes the standard library would write.

orjson writes floats in another form, so release rows must hold none: the features say so.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from communique.jsonio import dumps_line, dumps_line_bytes
from communique.layout import DEFAULT_LAYOUT
from communique.release import KINDS, features_for
from communique.taxonomy import load_taxonomy

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | text
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_release_lines_equal_the_standard_library(document):
    expected = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    assert dumps_line(document) == expected
    assert dumps_line_bytes(document) == expected.encode("utf-8")


def test_control_characters_and_line_separators_are_escaped_alike():
    for code in [*range(0x20), 0x7F, 0x85, 0x2028, 0x2029, 0xFEFF, 0x1F600]:
        document = {"text": f"a{chr(code)}b", "é": 1, "Z": [None, True, -7]}
        assert dumps_line_bytes(document).decode("utf-8") == dumps_line(document)


def _dtypes(feature) -> set[str]:
    if isinstance(feature, dict):
        return set().union(*map(_dtypes, feature.values()))
    if hasattr(feature, "feature"):
        return _dtypes(feature.feature)
    return {getattr(feature, "dtype", type(feature).__name__)}


def test_release_rows_hold_no_floats():
    taxonomy = load_taxonomy(DEFAULT_LAYOUT.taxonomy)
    found = set().union(*(_dtypes(dict(features_for(kind, taxonomy))) for kind in (*KINDS, "annotations")))
    assert found and not {dtype for dtype in found if "float" in dtype}, found
