"""prefect.yaml (committed) and flows/deployments.py (served) agree on names, entrypoints and schedules."""

from __future__ import annotations

import importlib
import os
import sys

import pytest
import yaml

from flows.deployments import PREFECT_YAML, TIMEZONE, render_prefect_yaml, specs
from transforms.plumbing.paths import REPO_ROOT
from transforms.plumbing.settings import Settings


@pytest.fixture
def default_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key in [k for k in os.environ if k.startswith("SSDD_")]:
        monkeypatch.delenv(key)
    return Settings()


def test_prefect_yaml_matches_the_python_definitions(default_settings: Settings) -> None:
    committed = yaml.safe_load((REPO_ROOT / PREFECT_YAML).read_text(encoding="utf-8"))
    in_yaml = {d["name"]: (d["entrypoint"], [(s["cron"], s["timezone"], s["active"]) for s in d["schedules"]])
               for d in committed["deployments"]}
    in_code = {s.name: (s.entrypoint, [(s.cron, s.timezone, True)]) for s in specs(default_settings)}
    assert in_yaml == in_code
    assert in_code["nightly-filing"][1] == [("0 2 * * *", "Asia/Hong_Kong", True)]
    assert (REPO_ROOT / PREFECT_YAML).read_text(encoding="utf-8") == render_prefect_yaml(default_settings), \
        "prefect.yaml is stale: run `ssdd deployments render`"


def test_entrypoints_load_the_flows_they_name(default_settings: Settings) -> None:
    from prefect.flows import load_flow_from_entrypoint

    for spec in specs(default_settings):
        flow = load_flow_from_entrypoint(str(REPO_ROOT / spec.entrypoint))
        assert flow.fn.__name__ == spec.function


def test_runner_deployments_carry_the_cron_in_hong_kong_time(default_settings: Settings) -> None:
    from flows.deployments import runner_deployments

    served = {d.name: d for d in runner_deployments(default_settings)}
    assert set(served) == {s.name for s in specs(default_settings)}
    nightly = served["nightly-filing"]
    schedule = nightly.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 2 * * *", TIMEZONE)
    assert nightly.entrypoint == "flows.deployments.scheduled_filing"
    assert nightly.parameters["inbox"] == str(default_settings.inbox.resolve())


def test_importing_the_module_does_nothing_heavy() -> None:
    for name in ("flows.deployments",):
        sys.modules.pop(name, None)
    before = set(sys.modules)
    importlib.import_module("flows.deployments")
    loaded = set(sys.modules) - before
    assert not {m for m in loaded if m.split(".")[0] in ("great_expectations", "expectations", "dask", "distributed")}
    assert not {"flows.run", "flows.tasks"} & loaded
