"""The plugin the way users meet it (pytester): each area registered once, documented fixtures and
markers, ``-p`` alone or ``-p no:goproxy``, and scenario items on the session's tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_goproxy.gorun import GoBinary

#: Every area's plugin module, as the entry point registers them.
AREAS = [
    "pytest_goproxy.gorun.plugin",
    "pytest_goproxy.network.plugin",
    "pytest_goproxy.proxy.plugin",
    "pytest_goproxy.sumdb.plugin",
    "pytest_goproxy.origin.plugin",
    "pytest_goproxy.matrix.plugin",
    "pytest_goproxy.scenarios.plugin",
]

#: A fixture of each area, with words of its docstring.
FIXTURES = {
    "go": "*the real go, hermetic*",
    "go_binary": "*The go command under test*",
    "go_build_cache": "*The build cache (GOCACHE)*",
    "toxiproxy": "*The toxiproxy server of this pytest process*",
    "network": "*Endpoints for this test*",
    "fake_resolver": "*A started*FakeResolver*serving no name yet*",
    "fake_resolver_options": "*The ``resolv.conf`` options go gets*",
    "goproxy": "*A fake GOPROXY serving real*",
    "goproxy_factory": "*independent fake proxies*",
    "gosumdb": "*A fake Go checksum database*",
    "matrix_cell": "*The verdict of one matrix cell*",
    "goproxy_matrix_project": "*The Go project the ``matrix_cell`` tests run*",
    "goproxy_scenario_runner": "*The engine that runs the ``--goproxy-scenario`` items*",
}

#: A test file that reports which plugin modules of ours are registered, and how often.
REGISTERED = """
import json

def test_registered(request):
    names = [
        request.config.pluginmanager.get_name(p)
        for p in request.config.pluginmanager.get_plugins()
    ]
    ours = sorted(n for n in names if n and (n == "goproxy" or n.startswith("pytest_goproxy")))
    with open("registered.json", "w") as f:
        json.dump(ours, f)
"""


def _registered(pytester: pytest.Pytester, *args: str) -> list[str]:
    pytester.makepyfile(test_registered=REGISTERED)
    pytester.runpytest("-p", "no:cacheprovider", *args).assert_outcomes(passed=1)
    names: list[str] = json.loads((pytester.path / "registered.json").read_text())
    return names


def test_every_area_is_registered_once(pytester: pytest.Pytester) -> None:
    assert _registered(pytester) == sorted([*AREAS, "goproxy"])  # the entry point's name


def test_naming_an_area_with_p_does_not_register_it_twice(pytester: pytest.Pytester) -> None:
    # -p before the entry point: still once each.
    args = ("-p", "pytest_goproxy.matrix.plugin", "-p", "pytest_goproxy.gorun.plugin")
    names = _registered(pytester, *args)
    assert names == sorted([*AREAS, "goproxy"])
    assert len(names) == len(set(names))


def test_fixtures_are_listed_with_their_docstrings(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    assert result.ret == 0
    for fixture, doc in FIXTURES.items():
        result.stdout.fnmatch_lines([f"{fixture} *-- *", doc])  # the name, then its docstring
    for area in AREAS:
        result.stdout.fnmatch_lines([f"*fixtures defined from {area}*"])


def test_markers_are_registered_once(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    lines = result.stdout.lines
    for marker in ("network_faults", "goproxy_matrix"):
        assert len([ln for ln in lines if ln.startswith(f"@pytest.mark.{marker}")]) == 1, marker


def test_options_are_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["pytest-goproxy:"])
    for option in ("--go=", "--go-timeout=", "--go-build-cache=", "--toxiproxy-url=",
                   "--toxiproxy-bin=", "--toxiproxy-cache-dir=", "--goproxy-scenario=",
                   "--goproxy-scenario-project="):  # fmt: skip
        result.stdout.fnmatch_lines([f"*{option}*"])


def test_go_timeout_help_shows_the_runners_default(pytester: pytest.Pytester) -> None:
    from pytest_goproxy.gorun.plugin import DEFAULT_TIMEOUT_HELP
    from pytest_goproxy.gorun.runner import DEFAULT_TIMEOUT

    assert float(DEFAULT_TIMEOUT_HELP) == DEFAULT_TIMEOUT


def test_fault_tests_are_marked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_network(network): pass
        def test_toxiproxy(toxiproxy): pass
        def test_goproxy(goproxy): pass
        def test_plain(): pass

        @pytest.mark.parametrize("matrix_cell", [("refused", "single")], indirect=True)
        def test_raw_cell(matrix_cell): pass

        @pytest.mark.goproxy_matrix(faults=["dns"], configs=["single", "pipe_backup"])
        def test_marked_cell(matrix_cell): pass
        """
    )
    result = pytester.runpytest("--co", "-q", "-m", "network_faults")
    result.stdout.fnmatch_lines(
        [
            "*::test_network",
            "*::test_toxiproxy",
            "*::test_raw_cell?matrix_cell0?",
            "*::test_marked_cell?dns-single?",
            "*::test_marked_cell?dns-pipe_backup?",
            "5/7 tests collected (2 deselected)*",
        ]
    )


def test_p_no_goproxy_disables_everything(pytester: pytest.Pytester) -> None:
    assert _registered(pytester, "-p", "no:goproxy") == []
    result = pytester.runpytest("-p", "no:goproxy", "--fixtures")
    for fixture in FIXTURES:
        result.stdout.no_fnmatch_line(f"{fixture} *-- *")
    result = pytester.runpytest("-p", "no:goproxy", "--markers")
    result.stdout.no_fnmatch_line("*network_faults*")
    result = pytester.runpytest("-p", "no:goproxy", "--go-timeout=3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --go-timeout=3*"])
    pytester.makepyfile(test_uses="def test_t(goproxy):\n    pass\n")
    result = pytester.runpytest("-p", "no:goproxy", "test_uses.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'goproxy' not found*"])


@pytest.mark.parametrize(
    ("module", "fixtures"),
    [
        ("pytest_goproxy.matrix.plugin", ["matrix_cell", "go_binary", "toxiproxy"]),
        ("pytest_goproxy.scenarios.plugin", ["goproxy_scenario_runner", "go", "network"]),
        ("pytest_goproxy.gorun.plugin", ["go", "go_binary", "go_build_cache"]),
    ],
)
def test_an_area_loads_alone(pytester: pytest.Pytester, module: str, fixtures: list[str]) -> None:
    """The documented ``-p`` modules work without the main plugin, with what they need."""
    result = pytester.runpytest("-p", "no:goproxy", "-p", module, "--fixtures")
    assert result.ret == 0
    for fixture in fixtures:
        result.stdout.fnmatch_lines([f"{fixture} *-- *"])
    result.stdout.no_fnmatch_line("gosumdb -- *")


# -- scenario items use the session's tools ------------------------------------------------------

HTTP_ONLY = """
description = "CDN 502 on zips: a single proxy breaks"
config = "single"
timeout = 20
[endpoints.primary]
http = [{ fault = "status", code = 502, kind = "zip" }]
[expect]
verdict = "failed"
failure = "HTTP_STATUS"
"""

WITH_NETWORK_FAULT = """
config = "pipe_backup"
timeout = 20
[endpoints.primary]
network = [{ fault = "refused" }]
[expect]
verdict = "recovered"
"""

#: Records what the scenario engine was built with; a scenario without network faults must not
#: ask for toxiproxy.
RECORDING_CONFTEST = """
import json
import pytest

@pytest.fixture(scope="session")
def goproxy_scenario_runner(goproxy_scenario_runner):
    go = goproxy_scenario_runner.runner
    with open("runner.json", "w") as f:
        json.dump({"timeout": go.timeout, "build_cache": str(go.build_cache),
                   "go": str(go.binary.path)}, f)
    return goproxy_scenario_runner

@pytest.fixture(scope="session")
def toxiproxy():
    pytest.fail("a scenario without network faults asked for toxiproxy")
"""


def test_scenario_items_use_the_session_go_timeout_and_build_cache(
    pytester: pytest.Pytester, go_binary: GoBinary, tmp_path: Path
) -> None:
    pytester.makeconftest(RECORDING_CONFTEST)
    (pytester.path / "cdn.toml").write_text(HTTP_ONLY)
    cache = tmp_path / "gocache"
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--goproxy-scenario=cdn.toml",
        f"--go={go_binary.path}",
        "--go-timeout=17",
        f"--go-build-cache={cache}",
    )
    result.assert_outcomes(passed=1)
    seen = json.loads((pytester.path / "runner.json").read_text())
    assert seen == {"timeout": 17.0, "build_cache": str(cache), "go": str(go_binary.path)}
    assert cache.is_dir()


def test_only_scenarios_with_network_faults_ask_for_toxiproxy(pytester: pytest.Pytester) -> None:
    (pytester.path / "http_only.toml").write_text(HTTP_ONLY)
    (pytester.path / "refused.toml").write_text(WITH_NETWORK_FAULT)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--goproxy-scenario=.", "--setup-plan", "-v"
    )
    used = {
        line.split()[0]: line.split("(fixtures used: ")[1]
        for line in result.stdout.lines
        if "(fixtures used: " in line and "::" in line
    }
    assert "goproxy_scenario_runner" in used["http_only.toml::http_only"]
    assert "toxiproxy" not in used["http_only.toml::http_only"]
    assert "goproxy_scenario_runner" in used["refused.toml::refused"]
    assert "toxiproxy" in used["refused.toml::refused"]
