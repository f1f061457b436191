"""Scenario file validation: every error names the file, the field and the allowed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy.errors import ScenarioError
from pytest_goproxy.scenarios import BUNDLED, find_scenarios, load_scenario


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "outage.toml"
    path.write_text(text)
    return path


OK = """
config = "pipe_backup"
[endpoints.primary]
network = [{ fault = "down_for", seconds = 3 }]
http = [{ fault = "status", code = 502, kind = "zip", times = 2 }]
[expect]
verdict = "recovered"
"""


def test_a_complete_file_loads(tmp_path: Path) -> None:
    s = load_scenario(_write(tmp_path, OK))
    assert s.name == "outage"
    assert s.command == ("mod", "tidy")
    assert set(s.endpoints) == {"primary", "backup", "sumdb"}  # made for the configuration
    assert s.endpoints["sumdb"].kind == "sumdb"
    assert s.needs_toxiproxy
    assert s.modules == BUNDLED / "modules"
    assert (
        s.faults_label() == "primary:down_for(seconds=3) primary:status(code=502,kind=zip,times=2)"
    )


@pytest.mark.parametrize(
    ("text", "field", "allowed"),
    [
        ('colour = 1\n[expect]\nverdict="failed"', "colour", "allowed fields: name, description"),
        ('config = "nope"\n[expect]\nverdict="failed"', "config", "pipe_backup"),
        ('config = "relay"\n[expect]\nverdict="failed"', "config", "single"),
        ('config = "single"', "expect", "recovered, failed, hung"),
        ('config = "single"\n[expect]\nverdict="ok"', "expect.verdict", "recovered, failed, hung"),
        (
            'config = "single"\n[expect]\nverdict="failed"\nfailure="BAD"',
            "expect.failure",
            "REFUSED",
        ),
        (
            'config = "single"\n[endpoints.primary]\nnetwork=[{fault="boom"}]\n'
            '[expect]\nverdict="failed"',
            "endpoints.primary.network[0].fault",
            "refused, dns",
        ),
        (
            'config = "single"\n[endpoints.primary]\nnetwork=[{fault="cut_body"}]\n'
            '[expect]\nverdict="failed"',
            "endpoints.primary.network[0].fault",
            "put it under `http`",
        ),
        (
            'config = "single"\n[endpoints.primary]\nnetwork=[{fault="latency", ms=-1}]\n'
            '[expect]\nverdict="failed"',
            "endpoints.primary.network[0]",
            ">= 0",
        ),
        (
            'config = "single"\n[endpoints.primary]\nhttp=[{fault="status", kind="zap"}]\n'
            '[expect]\nverdict="failed"',
            "endpoints.primary.http[0]",
            "zip",
        ),
        (
            '[env]\nGOPROXY="{primry}"\n[endpoints.primary]\n[expect]\nverdict="failed"',
            "env.GOPROXY",
            "{private}, {corporate_ca}, {primary}",
        ),
        (
            '[env]\nGOSUMDB="off"\n[expect]\nverdict="failed"',
            "env.GOPROXY",
            "missing",
        ),
        (
            '[endpoints.db]\nkind="sumdb"\nhttp=[{fault="status"}]\n[expect]\nverdict="failed"',
            "endpoints.db.http",
            "network faults only",
        ),
        (
            '[endpoints.db]\nkind="database"\n[expect]\nverdict="failed"',
            "endpoints.db.kind",
            "proxy, sumdb",
        ),
        ('timeout = 0\nconfig="single"\n[expect]\nverdict="hung"', "timeout", "positive"),
        ('modules = "nowhere"\nconfig="single"\n[expect]\nverdict="hung"', "modules", "txtar"),
        (
            'config = "single"\n[endpoints.extra]\n[expect]\nverdict="hung"',
            "endpoints.extra",
            "primary, sumdb",
        ),
    ],
)
def test_errors_name_file_field_and_allowed_values(
    tmp_path: Path, text: str, field: str, allowed: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {field}: "), message
    assert allowed in message, message


def test_bad_toml_and_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(_write(tmp_path, "config = "))
    with pytest.raises(ScenarioError, match="no such scenario"):
        find_scenarios(tmp_path / "missing")
    assert find_scenarios(tmp_path) == [tmp_path / "outage.toml"]


def test_an_endpoint_may_speak_tls(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[env]\nGOPROXY = "{primary}"\nSSL_CERT_FILE = "{corporate_ca}"\n'
        "[endpoints.primary]\ntls = true\n"
        '[expect]\nverdict = "recovered"\n',
    )
    scenario = load_scenario(path)
    (plan,) = scenario.outage().endpoints
    assert plan.tls is True


def test_tls_must_be_a_boolean(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[env]\nGOPROXY = "{primary}"\n[endpoints.primary]\ntls = "yes"\n'
        '[expect]\nverdict = "recovered"\n',
    )
    with pytest.raises(ScenarioError, match=r"endpoints\.primary\.tls: got 'yes'; allowed: true"):
        load_scenario(path)


def test_an_origin_endpoint_and_private_modules(tmp_path: Path) -> None:
    """``kind = "origin"`` (always HTTPS, network faults only, no placeholder: go reaches it by
    the modules' names) and ``private``, the project's private modules."""
    path = _write(
        tmp_path,
        'private = "corp.example"\n[env]\nGOPROXY = "{primary}"\nGOPRIVATE = "{private}"\n'
        '[endpoints.primary]\n[endpoints.origin]\nkind = "origin"\n'
        'network = [{ fault = "reset" }]\n'
        '[expect]\nverdict = "failed"\n',
    )
    scenario = load_scenario(path)
    assert scenario.private == "corp.example"
    origin = scenario.endpoints["origin"]
    assert (origin.kind, origin.tls, [f.name for f in origin.faults]) == ("origin", True, ["reset"])
    named = _write(tmp_path, 'config = "goprivate"\n[expect]\nverdict = "recovered"\n')
    assert load_scenario(named).endpoints["origin"].kind == "origin"


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        (
            '[env]\nGOPROXY = "{origin}"\n[endpoints.origin]\nkind = "origin"\n',
            "env.GOPROXY",
            "unknown placeholder {origin}",
        ),
        (
            '[env]\nGOPROXY = "off"\n[endpoints.origin]\nkind = "origin"\n'
            'http = [{ fault = "status" }]\n',
            "endpoints.origin.http",
            "an origin endpoint takes network faults only",
        ),
        (
            '[env]\nGOPROXY = "off"\n[endpoints.origin]\nkind = "origin"\ntls = false\n',
            "endpoints.origin.tls",
            "always speaks HTTPS",
        ),
        ('private = ""\n[env]\nGOPROXY = "off"\n', "private", "GOPRIVATE-style pattern"),
        ('private = 3\n[env]\nGOPROXY = "off"\n', "private", "GOPRIVATE-style pattern"),
    ],
)
def test_origin_and_private_mistakes(tmp_path: Path, text: str, field: str, says: str) -> None:
    path = _write(tmp_path, text + '[expect]\nverdict = "failed"\n')
    with pytest.raises(ScenarioError, match=rf"{field.replace('.', chr(92) + '.')}: .*{says}"):
        load_scenario(path)
