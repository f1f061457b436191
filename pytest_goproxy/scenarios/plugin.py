"""``pytest --goproxy-scenario=PATH``: scenario files (or directories of them) run as tests.

Each scenario becomes one :class:`ScenarioItem` (``<file>::<name>``), marked ``network_faults``;
it passes when the run matches the file's ``[expect]``, fails with the whole account (expected,
got, why, go's stderr tail) otherwise, and is skipped (an error in CI) when toxiproxy or go is
missing. The items are added in ``pytest_collection_modifyitems`` (first, so ``-k``/``-m`` apply
to them), because the files need not lie under the paths pytest collects.

Usable on its own with ``-p pytest_goproxy.scenarios.plugin``; the main plugin loads it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pytest_goproxy.ci import in_ci
from pytest_goproxy.errors import GoNotFoundError, ScenarioError, ScenarioFailed
from pytest_goproxy.scenarios.runner import Scenario, ScenarioRunner, find_scenarios, load_scenario

__all__ = ["ScenarioItem", "add_options", "add_scenario_items", "close_runner"]

_RUNNER = pytest.StashKey[ScenarioRunner]()


def add_options(parser: pytest.Parser) -> None:
    """Register ``--goproxy-scenario`` (repeatable) and ``--goproxy-scenario-project``."""
    group = parser.getgroup("goproxy", "pytest-goproxy")
    group.addoption(
        "--goproxy-scenario",
        dest="goproxy_scenarios",
        action="append",
        default=[],
        metavar="PATH",
        help="run the scenario file PATH (or every *.toml below the directory PATH) as tests; "
        "repeatable",
    )
    group.addoption(
        "--goproxy-scenario-project",
        dest="goproxy_scenario_project",
        default=None,
        metavar="DIR",
        help="run every scenario on this Go project instead of the one the file names",
    )


def _runner(config: pytest.Config) -> ScenarioRunner:
    runner = config.stash.get(_RUNNER, None)
    if runner is None:
        binaries = config.getoption("go_binaries", default=None) or os.environ.get("GO_BINARY")
        go = str(binaries).split(",")[0] if binaries else None
        toxi_bin = config.getoption("toxiproxy_bin", default=None)
        toxiproxy = None
        url = config.getoption("toxiproxy_url", default=None) or os.environ.get("TOXIPROXY_URL")
        if url:
            from pytest_goproxy.network.session import connect_toxiproxy

            toxiproxy = connect_toxiproxy(str(url))
        runner = ScenarioRunner(go=go, toxiproxy=toxiproxy, toxiproxy_bin=toxi_bin)
        config.stash[_RUNNER] = runner
    return runner


class ScenarioItem(pytest.Item):
    """One scenario file run as a test."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.add_marker(pytest.mark.network_faults)

    def runtest(self) -> None:
        try:
            runner = _runner(self.config)
        except GoNotFoundError as exc:
            if in_ci():
                raise
            pytest.skip(str(exc))
        project = self.config.getoption("goproxy_scenario_project", default=None)
        result = runner.run(self.scenario, project)
        if result.verdict == "unavailable":
            if in_ci():
                raise ScenarioFailed(f"unavailable in CI: {result.error}")
            pytest.skip(f"unavailable here: {result.error}")
        if not result.passed:
            raise ScenarioFailed(result.describe())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed | ScenarioError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.name}"


class _ScenarioFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        scenario = load_scenario(self.path)  # ScenarioError: a collection error naming the field
        return [ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)]

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


def add_scenario_items(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Append an item per scenario found at ``--goproxy-scenario`` paths (bad files: errors)."""
    paths: list[str] = config.getoption("goproxy_scenarios", default=[]) or []
    seen = {item.nodeid for item in items}
    for raw in paths:
        for path in find_scenarios(raw):
            node = _ScenarioFile.from_parent(session, path=path.resolve())
            report = node.ihook.pytest_make_collect_report(collector=node)
            session.ihook.pytest_collectreport(report=report)
            if report.failed:
                continue
            for item in report.result:
                if isinstance(item, pytest.Item) and item.nodeid not in seen:
                    seen.add(item.nodeid)
                    items.append(item)


def close_runner(config: pytest.Config) -> None:
    runner = config.stash.get(_RUNNER, None)
    if runner is not None:
        runner.close()
        del config.stash[_RUNNER]
