"""The actor registry: lookup, roll-up to states, and the alias index a gazetteer matches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ActorRegistry:
    """Actors by id, as read from ``corpus/actors.json``."""

    actors: dict[str, dict[str, Any]]
    _aliases: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "ActorRegistry":
        actors = {entry["id"]: entry for entry in data.get("actors", []) if isinstance(entry, dict) and "id" in entry}
        return cls(actors)

    def __contains__(self, actor_id: object) -> bool:
        return actor_id in self.actors

    def __len__(self) -> int:
        return len(self.actors)

    def name(self, actor_id: str) -> str:
        return self.actors[actor_id]["name"] if actor_id in self.actors else actor_id

    def type(self, actor_id: str) -> str:
        return self.actors[actor_id]["type"] if actor_id in self.actors else "unknown"

    def up(self, actor_id: str) -> str | None:
        """The actor one level up: an agency's state, a person's affiliation."""
        entry = self.actors.get(actor_id, {})
        return entry.get("parent") or entry.get("affiliation")

    def roll_up(self, actor_id: str) -> str:
        """The top of the person → agency → state chain (the actor itself when it has none)."""
        seen = {actor_id}
        current = actor_id
        while (above := self.up(current)) and above in self.actors and above not in seen:
            seen.add(above)
            current = above
        return current

    def cycle_from(self, actor_id: str) -> list[str] | None:
        """The parent/affiliation chain from ``actor_id`` if it loops, else None."""
        chain = [actor_id]
        current = actor_id
        while (above := self.up(current)) and above in self.actors:
            if above in chain:
                return chain + [above]
            chain.append(above)
            current = above
        return None

    def alias_index(self) -> dict[str, str]:
        """Every surface form (name and aliases) to its actor; a form claimed twice goes to neither."""
        if not self._aliases:
            owners: dict[str, set[str]] = {}
            for actor_id, entry in self.actors.items():
                for form in [entry.get("name", ""), *entry.get("aliases", [])]:
                    if form:
                        owners.setdefault(form, set()).add(actor_id)
            self._aliases = {form: next(iter(ids)) for form, ids in owners.items() if len(ids) == 1}
        return self._aliases

    def shared_aliases(self) -> dict[str, list[str]]:
        """Surface forms that two or more actors claim: ambiguous for a gazetteer."""
        owners: dict[str, set[str]] = {}
        for actor_id, entry in self.actors.items():
            for form in {entry.get("name", ""), *entry.get("aliases", [])}:
                if form:
                    owners.setdefault(form, set()).add(actor_id)
        return {form: sorted(ids) for form, ids in sorted(owners.items()) if len(ids) > 1}
