"""The go runner's pytest plugin: options ``--go``, ``--go-timeout``, ``--go-build-cache`` and the
fixtures ``go``, ``go_binary``, ``go_build_cache``.

The main plugin (:mod:`pytest_goproxy.plugin`) registers this module; it also works alone
(``-p pytest_goproxy.gorun.plugin``).

Options: ``--go=PATH[,PATH...]`` (else ``$GO_BINARY``, else ``go`` on PATH; several binaries run
every test that uses ``go`` once per Go release, with the version as test id), ``--go-timeout`` /
ini ``go_timeout`` (seconds per go command, default 120), ``--go-build-cache`` / ini
``go_build_cache`` (a GOCACHE directory kept across sessions; default: one per session).

The runner itself is imported when a fixture first needs it, so loading the plugin stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_goproxy.ci import in_ci
from pytest_goproxy.errors import GoNotFoundError

if TYPE_CHECKING:
    from pytest_goproxy.gorun.binary import GoBinary
    from pytest_goproxy.gorun.runner import GoRunner

__all__ = ["go", "go_binaries", "go_binary", "go_build_cache", "go_timeout"]

#: ``--go-timeout``'s default as its help shows it, without importing the runner at start-up;
#: a test checks it against :data:`pytest_goproxy.gorun.runner.DEFAULT_TIMEOUT`.
DEFAULT_TIMEOUT_HELP = "120"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("goproxy", "pytest-goproxy")
    group.addoption(
        "--go",
        dest="go_binaries",
        default=None,
        metavar="PATH[,PATH...]",
        help="go binary (or GOROOT) to run; several, comma-separated, run each test that uses "
        "the `go` fixture once per binary (default: $GO_BINARY, else go on PATH)",
    )
    group.addoption(
        "--go-timeout",
        dest="go_timeout",
        default=None,
        type=float,
        metavar="SECONDS",
        help="hard timeout of one go command; its process group is killed after it "
        f"(default: ini go_timeout, else {DEFAULT_TIMEOUT_HELP})",
    )
    group.addoption(
        "--go-build-cache",
        dest="go_build_cache",
        default=None,
        metavar="DIR",
        help="GOCACHE shared by all go runs, kept across sessions (default: ini go_build_cache, "
        "else a fresh directory per session). Never use your own GOCACHE here.",
    )
    parser.addini("go_timeout", help="default of --go-timeout (seconds)", default=None)
    parser.addini("go_build_cache", help="default of --go-build-cache", default=None)


def pytest_configure(config: pytest.Config) -> None:
    """A bad ``--go-timeout`` / ``go_timeout`` is a usage error before any test runs."""
    if config.getoption("go_timeout", default=None) is not None or _ini(config, "go_timeout"):
        go_timeout(config)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With several ``--go`` binaries, run each test that uses ``go_binary`` once per binary."""
    specs = go_binaries(metafunc.config)
    if len(specs) < 2 or "go_binary" not in metafunc.fixturenames:
        return
    metafunc.parametrize("go_binary", specs, ids=_ids(specs), indirect=True, scope="session")


def _ini(config: pytest.Config, name: str) -> str | None:
    try:
        value = config.getini(name)
    except ValueError:  # the options were not registered (fixtures imported into a conftest)
        return None
    return str(value) if value else None


def go_binaries(config: pytest.Config) -> list[str]:
    """The go binaries asked for (``--go``, else ``$GO_BINARY``), possibly empty (= PATH)."""
    raw = config.getoption("go_binaries", default=None) or os.environ.get("GO_BINARY") or ""
    return [part.strip() for part in str(raw).split(",") if part.strip()]


def go_timeout(config: pytest.Config) -> float:
    """Seconds per go command: ``--go-timeout``, else ini ``go_timeout``, else 120."""
    from pytest_goproxy.gorun.runner import DEFAULT_TIMEOUT, check_timeout

    value = config.getoption("go_timeout", default=None)
    if value is None:
        value = _ini(config, "go_timeout")
    try:
        seconds = float(value) if value is not None else DEFAULT_TIMEOUT
    except ValueError:
        raise pytest.UsageError(f"go_timeout must be a number of seconds, got {value!r}") from None
    try:
        return check_timeout(seconds, "go_timeout")
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def _ids(specs: list[str]) -> list[str]:
    """Test ids: each binary's GOVERSION (the spec if it does not run), unique."""
    from pytest_goproxy.gorun.binary import find_go

    ids = []
    for spec in specs:
        try:
            ids.append(find_go(spec).version)
        except GoNotFoundError:
            ids.append(spec)
    if len(set(ids)) < len(ids):
        ids = [f"{name}-{index}" for index, name in enumerate(ids)]
    return ids


@pytest.fixture(scope="session")
def go_binary(request: pytest.FixtureRequest) -> GoBinary:
    """The go command under test: ``.path``, ``.version`` (``go1.26.8``), ``.version_info``.

    From ``--go`` (one test run per binary when several are given), else ``$GO_BINARY``, else
    ``go`` on PATH. A go that was named but does not work is an error. A go that is simply not
    installed skips the test, except with ``CI`` set, where that is an error.
    """
    from pytest_goproxy.gorun.binary import find_go

    spec: str | None = getattr(request, "param", None)
    if spec is None:
        specs = go_binaries(request.config)
        spec = specs[0] if specs else None
    try:
        return find_go(spec)
    except GoNotFoundError as exc:
        if spec is not None or in_ci():
            raise
        pytest.skip(f"go is not available (set CI to make this an error): {exc}")


@pytest.fixture(scope="session")
def go_build_cache(request: pytest.FixtureRequest) -> Iterator[Path]:
    """The build cache (GOCACHE) every ``go`` fixture of the session shares.

    Only compiled packages live there, never modules, so sharing it does not change what a
    module-fetching test sees; it saves compiling the standard library again for every test.
    ``--go-build-cache=DIR`` keeps it across sessions; otherwise it is removed at session end.
    """
    configured = request.config.getoption("go_build_cache", default=None) or _ini(
        request.config, "go_build_cache"
    )
    if configured:
        path = Path(str(configured)).expanduser().absolute()
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    from pytest_goproxy.gorun.cache import remove_tree

    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    path = factory.mktemp("go-build-cache")
    try:
        yield path
    finally:
        remove_tree(path)


@pytest.fixture
def go(
    go_binary: GoBinary,
    go_build_cache: Path,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[GoRunner]:
    """A :class:`~pytest_goproxy.gorun.GoRunner` for this test: the real go, hermetic.

    ``go.project(module=..., requires={...})`` makes a module and ``project.tidy(env={"GOPROXY":
    url})`` runs ``go mod tidy`` in it, returning a ``GoResult`` (``.ok``, ``.failure``,
    ``.assert_failure(Failure.REFUSED)``...). Every run starts from an empty HOME, GOPATH, module
    cache and go env file, with GOPROXY=off, GOSUMDB=off, GOTOOLCHAIN=local and a network guard
    that refuses any host but loopback; nothing of your own Go setup reaches it. Runs are killed
    after ``--go-timeout`` seconds. Everything is removed after the test, pass or fail.
    """
    from pytest_goproxy.gorun.runner import GoRunner

    runner = GoRunner(
        go_binary,
        workdir=tmp_path_factory.mktemp("go"),
        timeout=go_timeout(request.config),
        build_cache=go_build_cache,
    )
    try:
        yield runner
    finally:
        runner.close()
