"""Discover profiles: the built-ins in ``data/profiles`` plus an optional user folder."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from transforms.ingest.profiles.schema import Profile, role_refusal
from transforms.plumbing.paths import DATA_DIR
from transforms.plumbing.yamldata import load_yaml_model

BUILTIN_DIR = DATA_DIR / "profiles"


class ProfileError(Exception):
    """A profile could not be loaded or named; ``str()`` is one sentence for the user."""


def _load_one(path: Path) -> Profile:
    return load_yaml_model(path, Profile, f"Profile {path.name}", ProfileError)


class Profiles:
    """The usable profiles, and (``refused``) those that loaded but cannot serve their role, each with
    its sentence: naming one of those (trader.yaml ``profile:``) gives that sentence."""

    def __init__(self, profiles: Iterable[Profile], refused: dict[str, str] | None = None) -> None:
        self._by_id: dict[str, Profile] = {}
        self.refused: dict[str, str] = dict(refused or {})
        for p in profiles:
            if p.id in self._by_id:
                raise ProfileError(
                    f"Profile id {p.id!r} is defined twice; known profiles: {', '.join(sorted(self._by_id))}.")
            self._by_id[p.id] = p

    def get(self, profile_id: str) -> Profile:
        if profile_id in self.refused and profile_id not in self._by_id:
            raise ProfileError(self.refused[profile_id])
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
    usable: list[Profile] = []
    refused: dict[str, str] = {}
    for path in paths:
        profile = _load_one(path)
        sentence = role_refusal(profile, f"Profile {path.name}")
        if sentence is None:
            usable.append(profile)
        else:
            refused[profile.id] = sentence
    return Profiles(usable, refused)


def json_schema() -> str:
    """JSON schema of a profile, for editors (written to data/profiles/profile.schema.json)."""
    return json.dumps(Profile.model_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
