"""``pytest --goproxy-scenario=PATH``: scenario files (or directories of them) run as tests.

Each scenario becomes one :class:`ScenarioItem` (``<file>::<name>``), marked ``network_faults``;
it passes when the run matches the file's ``[expect]``, fails with the whole account (expected,
got, why, go's stderr tail) otherwise, and is skipped (an error in CI) when go, toxiproxy or
nginx is missing. The items are added in ``pytest_collection_modifyitems`` (first, so ``-k``/``-m``
apply to them), because the files need not lie under the paths pytest collects.

A scenario item is a test function of this plugin's own, so it runs with the session's tools like
any other test: the ``goproxy_scenario_runner`` fixture (the session's go binary, ``--go-timeout``
and ``go_build_cache``) and, only for a scenario with network faults, the session's ``toxiproxy``
fixture. Override either in a conftest.py to change them.

The main plugin (:mod:`pytest_goproxy.plugin`) registers this module; it also works alone
(``-p pytest_goproxy.scenarios.plugin``), bringing the go and toxiproxy plugins it needs. The
scenario engine is imported when a fixture first needs it, so loading the plugin stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_goproxy.ci import skip_or_fail
from pytest_goproxy.errors import ScenarioError, ScenarioFailed

if TYPE_CHECKING:
    from pytest_goproxy.gorun.binary import GoBinary
    from pytest_goproxy.network.session import Toxiproxy
    from pytest_goproxy.scenarios.format import Scenario
    from pytest_goproxy.scenarios.runner import ScenarioRunner

__all__ = ["ScenarioItem", "goproxy_scenario_runner"]

#: The fixtures a scenario item uses from the other plugins (``go_binary``, ``go_build_cache``,
#: ``toxiproxy`` and the ``network_faults`` marker); registered once however many plugins name them.
pytest_plugins = ["pytest_goproxy.gorun.plugin", "pytest_goproxy.network.plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
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


@pytest.fixture(scope="session")
def goproxy_scenario_runner(
    go_binary: GoBinary,
    go_build_cache: Path,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[ScenarioRunner]:
    """The engine that runs the ``--goproxy-scenario`` items, shared by the session.

    Its go runs use the session's go (``go_binary``: ``--go``, ``$GO_BINARY`` or PATH), the
    session's ``--go-timeout`` and its ``go_build_cache``, so scenarios compile against a warm
    GOCACHE; module sets are built once. Scenarios with network faults use the session's
    ``toxiproxy`` (the item asks for it; scenarios without network faults never start one).
    """
    from pytest_goproxy.gorun.plugin import go_timeout
    from pytest_goproxy.gorun.runner import GoRunner
    from pytest_goproxy.scenarios.runner import ScenarioRunner

    workdir = tmp_path_factory.mktemp("scenarios")
    go = GoRunner(
        go_binary,
        workdir=workdir / "go",
        timeout=go_timeout(request.config),
        build_cache=go_build_cache,
    )
    runner = ScenarioRunner(runner=go, workdir=workdir)
    try:
        yield runner
    finally:
        try:
            runner.close()
        finally:
            go.close()


def _run_scenario(request: pytest.FixtureRequest, goproxy_scenario_runner: ScenarioRunner) -> None:
    """The test function of a scenario without network faults."""
    _check(request.node, goproxy_scenario_runner)


def _run_scenario_with_toxiproxy(
    request: pytest.FixtureRequest,
    goproxy_scenario_runner: ScenarioRunner,
    toxiproxy: Toxiproxy,
) -> None:
    """The test function of a scenario with network faults: the session's toxiproxy plays them."""
    goproxy_scenario_runner.use_toxiproxy(toxiproxy)
    _check(request.node, goproxy_scenario_runner)


def _check(item: Any, runner: ScenarioRunner) -> None:
    __tracebackhide__ = True
    assert isinstance(item, ScenarioItem)
    project = item.config.getoption("goproxy_scenario_project", default=None)
    result = runner.run(item.scenario, project)
    if result.verdict == "unavailable":  # a tool the scenario needs is missing (nginx, ...)
        skip_or_fail(f"unavailable here: {result.error}")
    if not result.passed:
        raise ScenarioFailed(result.describe())


class ScenarioItem(pytest.Function):
    """One scenario file run as a test, with fixtures like any test function."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        test = _run_scenario_with_toxiproxy if scenario.needs_toxiproxy else _run_scenario
        super().__init__(callobj=test, **kwargs)
        self.scenario = scenario
        self.add_marker("network_faults")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioFailed | ScenarioError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.name}"


class _ScenarioFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        from pytest_goproxy.scenarios.format import load_scenario

        scenario = load_scenario(self.path)  # ScenarioError: a collection error naming the field
        return [ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)]

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


_COLLECTED = pytest.StashKey[set[Path]]()


def _requested(config: pytest.Config) -> tuple[list[Path], set[Path]]:
    """The ``--goproxy-scenario`` paths, and the files named on the command line (``FILE`` or
    ``FILE::name``, as ``--collect-only`` prints them), resolved."""
    roots = [Path(p).resolve() for p in config.getoption("goproxy_scenarios", default=[]) or []]
    named = {Path(str(arg).split("::", 1)[0]).resolve() for arg in config.args}
    return roots, named


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A scenario file named on the command line, or below a ``--goproxy-scenario`` path, is
    collected like a test file, so the node IDs ``--collect-only`` prints can be passed back."""
    if file_path.suffix != ".toml":
        return None
    roots, named = _requested(parent.config)
    path = file_path.resolve()
    if path not in named and not any(path.is_relative_to(root) for root in roots):
        return None
    parent.config.stash.setdefault(_COLLECTED, set()).add(path)
    return _ScenarioFile.from_parent(parent, path=file_path)


@pytest.hookimpl(tryfirst=True)  # before -k/-m select
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add an item per scenario at ``--goproxy-scenario`` paths that pytest did not collect
    itself (they need not lie under the paths it collects); a bad file is a collection error."""
    paths: list[str] = config.getoption("goproxy_scenarios", default=[]) or []
    if not paths:
        return
    from pytest_goproxy.scenarios.format import find_scenarios

    collected = config.stash.get(_COLLECTED, set())
    seen = {item.nodeid for item in items}
    for raw in paths:
        for path in find_scenarios(raw):
            if path.resolve() in collected:
                continue
            node = _ScenarioFile.from_parent(
                session, path=path.resolve(), nodeid=_nodeid(config, path)
            )
            report = node.ihook.pytest_make_collect_report(collector=node)
            session.ihook.pytest_collectreport(report=report)
            if report.failed:
                continue
            for item in report.result:
                if isinstance(item, pytest.Item) and item.nodeid not in seen:
                    seen.add(item.nodeid)
                    items.append(item)


def _nodeid(config: pytest.Config, path: Path) -> str:
    """The file's ID as pytest would give it when the path is passed as an argument: relative to
    the rootdir, else absolute (never an empty ``::name``)."""
    resolved = path.resolve()
    if resolved.is_relative_to(config.rootpath):
        return resolved.relative_to(config.rootpath).as_posix()
    return resolved.as_posix()
