"""The registry gazetteer: longest match, word boundaries, case, roll-up."""

from __future__ import annotations

import json

from communique.gazetteer import Gazetteer, roll_up_matches
from communique.registry import ActorRegistry
from tests.conftest import FIXTURES


def _registry() -> ActorRegistry:
    return ActorRegistry.from_data(json.loads((FIXTURES / "base" / "corpus" / "actors.json").read_text()))


def test_longest_form_wins_and_boundaries_hold():
    text = "The China Coast Guard met Chinese boats; a Chinaman and japanese tourists did not."
    matches = Gazetteer(_registry()).find(text)
    assert [(m.text, m.actor) for m in matches] == [("China Coast Guard", "CHN.coast-guard"), ("Chinese", "CHN")]
    assert all(text[m.start : m.end] == m.text for m in matches)


def test_offsets_are_code_points_after_astral_characters():
    text = "😀🇵🇭 Manila protested; الرياض Saudi Arabia replied."
    matches = Gazetteer(_registry()).find(text)
    assert [(m.start, m.text) for m in matches] == [(4, "Manila"), (29, "Saudi Arabia")]


def test_roll_up_adds_parents():
    registry = _registry()
    matches = Gazetteer(registry).find("China Coast Guard and Kamikawa")
    assert roll_up_matches(matches, registry) == ["CHN", "CHN.coast-guard", "JPN", "yoko-kamikawa"]


def test_shared_alias_is_ignored():
    data = json.loads((FIXTURES / "base" / "corpus" / "actors.json").read_text())
    for actor in data["actors"]:
        if actor["id"] == "JPN":
            actor["aliases"].append("Manila")
    assert Gazetteer(ActorRegistry.from_data(data)).find("Manila said") == []
