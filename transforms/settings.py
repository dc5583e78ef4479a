"""The one typed settings model. Precedence: CLI flags > environment (``SSDD_*``) >
``ssdd.toml`` in the workspace > defaults. Later features add fields here, never their own config.

Secrets (the analytics hash key, database passwords) come only from the environment and are
``SecretStr`` so they never print.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

SETTINGS_FILE = "ssdd.toml"


class Settings(BaseSettings):
    """Effective settings for one ssdd process."""

    model_config = SettingsConfigDict(env_prefix="SSDD_", extra="forbid", validate_default=True)

    inbox: Path = Field(Path("inbox"), description="Folder with one sub-folder per trader.")
    workspace: Path = Field(Path("workspace"), description="Where outputs, ledger and runs are written.")
    as_of: str | None = Field(
        None, description="ISO-8601 'now' for every time rule; without an offset it means Hong Kong time.")
    ledger_url: str | None = Field(
        None, description="Ledger database URL; default sqlite:///<workspace>/ledger.sqlite.")
    profiles_dir: Path | None = Field(None, description="Extra folder of user profile YAML files.")
    max_items_per_declaration: int = Field(50, ge=1, le=999,
                                           description="Mainland declaration item limit before a split.")
    cn_manifest_lead_minutes: int = Field(60, ge=0,
                                          description="Minimum minutes between filing and crossing (Mainland).")
    pending_max_age_hours: int = Field(
        72, ge=1, description="Lines waiting for a trip longer than this are quarantined, not pending.")
    workers: int = Field(2, ge=1, le=64, description="Processes for XML writing.")
    fail_on_quarantine: bool = Field(False, description="Exit non-zero when anything was quarantined.")
    archive: bool = Field(False, description="Move processed inbox files to archive/<run-id>/<trader>/.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("WARNING",
                                                                     description="Console log level.")
    prefect_startup_timeout: int = Field(
        120, ge=10, description="Seconds the ephemeral Prefect server may take to start.")
    pii_key: SecretStr | None = Field(None, description="Keyed-hash secret for personal data (env only).")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = _TomlSource(settings_cls, init_settings)
        return (init_settings, env_settings, toml)

    @property
    def ledger_location(self) -> str:
        return self.ledger_url or f"sqlite:///{(self.workspace / 'ledger.sqlite').as_posix()}"


class _TomlSource(PydanticBaseSettingsSource):
    """``ssdd.toml`` in the workspace named by the flags or the environment."""

    def __init__(self, settings_cls: type[BaseSettings], init: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self._init = init

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        import os

        init = self._init() if isinstance(self._init, InitSettingsSource) else {}
        ws = init.get("workspace") or os.environ.get("SSDD_WORKSPACE")
        if not ws:
            return {}
        path = Path(ws) / SETTINGS_FILE
        if not path.is_file():
            return {}
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        if "pii_key" in data:
            raise ValueError(f"{path}: pii_key is a secret and is read only from the environment (SSDD_PII_KEY).")
        return data


def load_settings(**flags: Any) -> Settings:
    """Settings from flags (None values are 'not given') over env over ssdd.toml over defaults."""
    given = {k: v for k, v in flags.items() if v is not None}
    return Settings(**given)


def explain(settings: Settings, **flags: Any) -> list[tuple[str, str, str]]:
    """(name, effective value, where it came from) for ``ssdd config show``; secrets masked."""
    import os

    given = {k for k, v in flags.items() if v is not None}
    toml_keys: set[str] = set()
    path = settings.workspace / SETTINGS_FILE
    if path.is_file():
        with path.open("rb") as fh:
            toml_keys = set(tomllib.load(fh))
    rows = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        shown = "********" if isinstance(value, SecretStr) else str(value)
        if name in given:
            src = "flag"
        elif f"SSDD_{name.upper()}" in os.environ:
            src = f"env SSDD_{name.upper()}"
        elif name in toml_keys:
            src = str(path)
        else:
            src = "default"
        rows.append((name, shown, src))
    return rows
