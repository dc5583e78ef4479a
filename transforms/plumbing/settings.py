"""The one typed settings model. Precedence: CLI flags > environment (``SSDD_*``) >
``ssdd.toml`` in the workspace > defaults. Later features add fields here, never their own config.

Secrets (the analytics hash key, database passwords) come only from the environment and are
``SecretStr`` so they never print.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from transforms.plumbing.timeutil import parse_as_of

SETTINGS_FILE = "ssdd.toml"
#: Default keep-periods (days) per workspace folder for `ssdd prune`; outbox and ledger follow
#: ``filings_retention_years`` instead, and the ledger's history is never pruned.
RETENTION_DAYS: dict[str, int] = {"runs": 90, "logs": 30, "quarantine": 180, "archive": 365, "reports": 90}


class Settings(BaseSettings):
    """Effective settings for one ssdd process."""

    model_config = SettingsConfigDict(env_prefix="SSDD_", extra="forbid", validate_default=True)

    inbox: Path = Field(Path("inbox"), description="Folder with one sub-folder per trader.")
    workspace: Path = Field(Path("workspace"), description="Where outputs, ledger and runs are written.")
    as_of: datetime | None = Field(
        None, description="ISO-8601 'now' for every time rule; without an offset it means Hong Kong time; "
                          "unset: the moment the run starts.")
    ledger_url: str | None = Field(
        None, description="Ledger database URL; default sqlite:///<workspace>/ledger.sqlite.")
    profiles_dir: Path | None = Field(None, description="Extra folder of user profile YAML files.")
    max_items_per_declaration: int = Field(50, ge=1, le=999,
                                           description="Mainland declaration item limit before a split.")
    cn_sender_id: str = Field(
        "SSDD", min_length=1, max_length=50,
        description="Mainland manifest Head/SenderID: the filing agent's registered single-window sender id.")
    cn_transmitter_name: str | None = Field(
        None, min_length=1, max_length=70,
        description="Mainland road manifests' 舱单传输人 (RepresentativePerson/Name): the filing agent's name, "
                    "when the trip has no FILER party.")
    cn_delivery: Literal["outbox", "single_window"] = Field(
        "outbox", description="Also place Mainland filings in the China Single Window client's exchange folders.")
    single_window_dir: Path | None = Field(
        None, description="The client's exchange root (<dir>/<form>/OutBox|SentBox|InBox|FailBox).")
    single_window_dec_form: str = Field(
        "Deccus001", pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$", max_length=64,
        description="The client's declaration (报关单) form folder under single_window_dir: declarations go to "
                    "its OutBox, their DecImportResponse receipts come back in its InBox.")
    single_window_manifest_form: str = Field(
        "Rmft", pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$", max_length=64,
        description="The client's road manifest form folder under single_window_dir: manifests and conveyance "
                    "confirmations go to its OutBox, their technical and business receipts come back in its InBox.")
    cn_manifest_lead_minutes: int = Field(60, ge=0,
                                          description="Minimum minutes between filing and crossing (Mainland).")
    pending_max_age_hours: int = Field(
        72, ge=1, description="Lines waiting for a trip longer than this are quarantined, not pending.")
    workers: int = Field(2, ge=1, le=64, description="Processes for the CPU-heavy work: XML writing, error workbooks.")
    batch_lines: int = Field(
        100_000, ge=1,
        description="Goods lines assembled, checked and filed together; traders (with those they share trucks "
                    "with) are batched to about this size so memory follows it, not the night's volume.")
    fail_on_quarantine: bool = Field(False, description="Exit non-zero when anything was quarantined.")
    archive: bool = Field(False, description="Move processed inbox files to archive/<run-id>/<trader>/.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("WARNING",
                                                                     description="Console log level.")
    prefect_startup_timeout: int = Field(
        120, ge=10, description="Seconds the ephemeral Prefect server may take to start.")
    pii_key: SecretStr | None = Field(None, description="Keyed-hash secret for personal data (env only).")
    # -- operations: schedules, watching, locks, alerts, retention, scale-out (issue 7) --------------------
    nightly_cron: str = Field("0 2 * * *", description="Cron time of the nightly filing run, in Asia/Hong_Kong.")
    analytics_cron: str = Field("30 3 * * *",
                                description="Cron time of the analytics refresh (compaction), in Asia/Hong_Kong.")
    watch_settle_seconds: float = Field(
        30, ge=0, description="A trader folder is read once none of its files has changed for this long.")
    watch_poll_seconds: float = Field(
        10, gt=0, description="Folder scan interval for `ssdd watch` (network shares send no file events).")
    lock_timeout_seconds: float = Field(
        900, ge=0, description="How long a run waits for another ssdd process to release a trader.")
    notify_command: str | None = Field(
        None, description="Command run for each alert, with the JSON payload on stdin (no shell).")
    notify_webhook: SecretStr | None = Field(
        None, description="URL that receives each alert as a JSON POST (env SSDD_NOTIFY_WEBHOOK only).")
    notify_held_within_hours: float = Field(
        6, ge=0, description="Alert on a held trip whose crossing is this close (either side of now).")
    retention_days: dict[str, int] = Field(
        default_factory=lambda: dict(RETENTION_DAYS),
        description="Days to keep files in each workspace folder before `ssdd prune` deletes them "
                    "(runs, logs, quarantine, archive, reports); missing keys keep their defaults.")
    filings_retention_years: float = Field(
        3, ge=0, description="Outbox filings are kept at least this long after customs released the truck.")
    runner: Literal["local", "dask"] = Field(
        "local", description="Task runner: local threads and processes, or a Dask cluster (prefect-dask).")
    dask_address: str | None = Field(
        None, description="Dask scheduler (tcp://HOST:PORT) for runner=dask; default: a LocalCluster.")
    dask_workers: int = Field(2, ge=1, le=256, description="Workers of the LocalCluster when no dask_address.")

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_of_moment(cls, value: Any) -> datetime | None:
        """Parsed here, once, whether it came as a flag, ``SSDD_AS_OF`` or ``ssdd.toml`` (text or a TOML
        date-time): everything downstream receives an aware moment. Blank is unset, as no flag."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return parse_as_of(value)

    @field_validator("retention_days", mode="before")
    @classmethod
    def _retention_defaults(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = set(value) - set(RETENTION_DAYS)
            if unknown:
                raise ValueError(f"retention_days has unknown folders {sorted(unknown)}; "
                                 f"known: {sorted(RETENTION_DAYS)}")
            return {**RETENTION_DAYS, **value}
        return value

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


#: Settings read only from the environment and never printed.
SECRET_FIELDS: tuple[str, ...] = tuple(
    name for name, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation))


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
        for name in SECRET_FIELDS:
            if name in data:
                raise ValueError(f"{path}: {name} is a secret and is read only from the environment "
                                 f"(SSDD_{name.upper()}).")
        return data


class SettingsError(ValueError):
    """A setting the model refused, in one sentence: the CLI prints it as it is."""


def load_settings(**flags: Any) -> Settings:
    """Settings from flags (None values are 'not given') over env over ssdd.toml over defaults.

    A refused value raises :class:`SettingsError` naming the first problem, not pydantic's report
    (whose first line, "1 validation error for Settings", says nothing)."""
    given = {k: v for k, v in flags.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise SettingsError(_first_problem(exc)) from None


def _first_problem(exc: ValidationError) -> str:
    problem = exc.errors()[0]
    error = problem.get("ctx", {}).get("error")
    if problem["type"] == "value_error" and isinstance(error, ValueError):
        return str(error)  # a sentence this module wrote (as_of, retention_days)
    name = ".".join(str(part) for part in problem["loc"])
    shown = "" if name in SECRET_FIELDS else f" {problem['input']!r}"   # a secret never prints
    return f"setting {name}{shown} is refused: {problem['msg']}."


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
        shown = "********" if isinstance(value, SecretStr) else value.isoformat() if isinstance(value, datetime) \
            else str(value)
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
