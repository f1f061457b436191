"""Acceptance: probe faulted loopback fakes through real ``go env``, write the scenario, replay it
with the scenario runner (real go, real toxiproxy) and get the verdict probe predicted."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner, Network, Toxiproxy
from pytest_goproxy.cli import main
from pytest_goproxy.probe import probe, write_scenario
from pytest_goproxy.scenarios import BUNDLED, ScenarioRunner, load_scenario

MODULE = "example.test/greet"  # one the bundled module set has


@pytest.fixture
def fakes(
    goproxy: FakeGoProxy,
    goproxy_factory: Callable[..., FakeGoProxy],
    network: Network,
) -> Iterator[dict[str, str]]:
    """Proxies serving the bundled modules: refused and blackholed (toxiproxy), 502 (HTTP fault),
    healthy; and a checksum database each of them serves."""
    goproxy.add_txtar(BUNDLED / "modules")
    bad_gateway = goproxy_factory(store=goproxy.store)
    bad_gateway.inject("status", code=502)
    healthy = goproxy_factory(store=goproxy.store)
    refused = network.front(goproxy, name="probe-refused")
    refused.inject("refused")
    blackholed = network.front(goproxy_factory(store=goproxy.store), name="probe-blackholed")
    blackholed.inject("blackhole")
    with ChecksumDB("sum.goproxy.test") as db:
        for proxy in (goproxy, bad_gateway, healthy):
            db.attach(proxy)
        yield {
            "refused": refused.url,
            "blackholed": blackholed.url,
            "bad_gateway": bad_gateway.url,
            "healthy": healthy.url,
            "db_key": db.key,
            "db": db.gosumdb,
        }


def _user_env(tmp_path: Path, **go_vars: str) -> dict[str, str]:
    """A user's shell: their PATH, a HOME without a go env file, and their GO* settings."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GOENV": "off",
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "",
        **go_vars,
    }


@pytest.mark.parametrize(
    ("goproxy_tpl", "gosumdb", "statuses", "predicted"),
    [
        ("{refused},{healthy}", "db", ["REFUSED", "OK"], "failed (REFUSED)"),
        ("{bad_gateway},{healthy}", "db", ["HTTP_STATUS", "OK"], "failed (HTTP_STATUS)"),
        (
            "{refused}|{bad_gateway}|{healthy}",
            "db_key",
            ["REFUSED", "HTTP_STATUS", "OK"],
            "recovered",
        ),
        ("{blackholed}|{healthy}", "db_key", ["HUNG", "OK"], "hung"),
    ],
    ids=["comma-refused", "comma-502", "pipe-recovers", "pipe-hangs"],
)
def test_probe_scenario_reproduces_its_prediction_under_run(
    fakes: dict[str, str],
    go: GoRunner,
    toxiproxy: Toxiproxy,
    tmp_path: Path,
    goproxy_tpl: str,
    gosumdb: str,
    statuses: list[str],
    predicted: str,
) -> None:
    env = _user_env(tmp_path, GOPROXY=goproxy_tpl.format_map(fakes), GOSUMDB=fakes[gosumdb])
    report = probe(env=env, module=MODULE, timeout=2.0, go=go.binary)
    assert [o.status for o in report.observed.values()] == statuses
    assert report.prediction.label() == predicted
    assert report.exit_code == (0 if predicted == "recovered" else 1)

    path = write_scenario(report, tmp_path / "seen.toml")
    scenario = load_scenario(path)
    assert scenario.env is not None
    # One endpoint per entry, the same separators.
    n = goproxy_tpl.count("{")
    seps = [c for c in goproxy_tpl if c in ",|"]
    rebuilt = "".join(f"{{proxy{i + 1}}}" + (seps[i] if i < len(seps) else "") for i in range(n))
    assert scenario.env["GOPROXY"] == rebuilt
    with ScenarioRunner(runner=go, toxiproxy=toxiproxy) as runner:
        result = runner.run(scenario)
    assert result.passed, result.describe()
    assert result.got_label() == predicted


def test_cli_probe_prints_table_explanation_and_exit_status(
    fakes: dict[str, str],
    go: GoRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = _user_env(tmp_path, GOPROXY=f"{fakes['refused']},{fakes['healthy']}", GOSUMDB="off")
    monkeypatch.setattr(os, "environ", env)
    out_file = tmp_path / "cli.toml"
    code = main(
        [
            "probe",
            "--module",
            MODULE,
            "--go",
            str(go.binary.path),
            "--width",
            "200",
            "--timeout",
            "2",
            "--write-scenario",
            str(out_file),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 1
    assert "REFUSED" in out and "`,` → go stops here" in out and "go would not succeed" in out
    assert f"pytest-goproxy run {out_file}" in err
    assert load_scenario(out_file).expect.failure == "REFUSED"

    monkeypatch.setattr(os, "environ", {**env, "GOPROXY": "ftp://nope"})
    # a setting go cannot read is bad input (a ProbeError is a UsageError): 2, not "go fails"
    assert main(["probe", "--go", str(go.binary.path)]) == 2
    assert "must be https, http, file" in capsys.readouterr().err
