"""Discover profiles: the built-ins in ``data/profiles`` plus an optional user folder."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from transforms.paths import DATA_DIR
from transforms.profiles.schema import Profile
from transforms.yamldata import load_yaml_model

BUILTIN_DIR = DATA_DIR / "profiles"


class ProfileError(Exception):
    """A profile could not be loaded or named; ``str()`` is one sentence for the user."""


def _load_one(path: Path) -> Profile:
    return load_yaml_model(path, Profile, f"Profile {path.name}", ProfileError)


class Profiles:
    def __init__(self, profiles: Iterable[Profile]) -> None:
        self._by_id: dict[str, Profile] = {}
        for p in profiles:
            if p.id in self._by_id:
                raise ProfileError(
                    f"Profile id {p.id!r} is defined twice; known profiles: {', '.join(sorted(self._by_id))}.")
            self._by_id[p.id] = p

    def get(self, profile_id: str) -> Profile:
        try:
            return self._by_id[profile_id]
        except KeyError:
            raise ProfileError(
                f"Unknown profile {profile_id!r}; known profiles: {', '.join(sorted(self._by_id))}.") from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id.values())

    @property
    def ids(self) -> list[str]:
        return sorted(self._by_id)


@lru_cache(maxsize=8)
def load_profiles(user_dir: Path | None = None) -> Profiles:
    paths = sorted(BUILTIN_DIR.glob("*.yaml"))
    if user_dir is not None and user_dir.is_dir():
        paths += sorted(user_dir.glob("*.yaml"))
    return Profiles(_load_one(p) for p in paths)


def json_schema() -> str:
    """JSON schema of a profile, for editors (written to data/profiles/profile.schema.json)."""
    return json.dumps(Profile.model_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
