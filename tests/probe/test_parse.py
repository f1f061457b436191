"""GOPROXY and GOSUMDB read like cmd/go, the prediction walk, and bad input: no network here."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy import FakeGoProxy, GoProxyError, InvalidModuleError
from pytest_goproxy.errors import ProbeError
from pytest_goproxy.probe import (
    Observation,
    ProxyEntry,
    parse_goproxy,
    parse_gosumdb,
    predict,
    probe,
    scenario_toml,
)
from pytest_goproxy.scenarios import load_scenario


def test_goproxy_separators_decide_fallback_like_proxylist() -> None:
    assert parse_goproxy("https://a.example,http://b.example|file:///srv/mods") == [
        ProxyEntry("https://a.example", ","),
        ProxyEntry("http://b.example", "|"),
        ProxyEntry("file:///srv/mods", ""),
    ]
    # Bare hosts get https://, empty entries are skipped, direct/off end the list.
    assert parse_goproxy(" proxy.example/ ,, direct,https://never.example") == [
        ProxyEntry("https://proxy.example", ","),
        ProxyEntry("direct", ""),
    ]
    assert parse_goproxy("off") == [ProxyEntry("off", "")]
    assert parse_goproxy("https://a.example|")[-1].sep == ""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (",", "contains no entries"),
        (" | ", "contains no entries"),
        ("ftp://mirror.example", "must be https, http, file"),
        ("proxy", "missing scheme"),
        ("http://", "without a host"),
    ],
)
def test_malformed_goproxy_is_one_clear_error(value: str, message: str) -> None:
    with pytest.raises(ProbeError, match=message) as info:
        parse_goproxy(value)
    assert isinstance(info.value, GoProxyError)
    assert repr(value) in str(info.value)


def test_gosumdb_forms() -> None:
    assert parse_gosumdb("off").off
    known = parse_gosumdb("sum.golang.org")
    assert known.name == "sum.golang.org" and known.url is None
    assert known.direct_url == "https://sum.golang.org"
    explicit = parse_gosumdb("sum.example+abcd+AAAA http://127.0.0.1:9/db/")
    assert explicit.name == "sum.example" and explicit.direct_url == "http://127.0.0.1:9/db"
    with pytest.raises(ProbeError, match="too many fields"):
        parse_gosumdb("a b c")


def _seen(status: str, code: int | None = None) -> Observation:
    return Observation("u", status, "http", code)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("goproxy", "statuses", "verdict", "failure", "says"),
    [
        ("http://a,http://b", ["REFUSED", "OK"], "failed", "REFUSED", "`,` → go stops here"),
        ("http://a|http://b", ["REFUSED", "OK"], "recovered", None, "`|` → go tries the next"),
        ("http://a,http://b", ["NOT_FOUND", "OK"], "recovered", None, "404/410 → go tries"),
        ("http://a|http://b", ["HUNG", "OK"], "hung", None, "no request timeout"),
        ("http://a|http://b", ["REFUSED", "NOT_FOUND"], "failed", "REFUSED", "no entry served"),
        ("http://a|http://b", ["HTTP_STATUS", "DNS"], "failed", "DNS", "the last entry"),
        ("http://a,off", ["NOT_FOUND"], "failed", "PROXY_OFF", "disabled by GOPROXY=off"),
        ("http://a,direct", ["NOT_FOUND"], "direct", None, "not probed"),
        ("http://a|http://b", ["DIAL_TIMEOUT", "OK"], "recovered", None, "30 s dial limit"),
    ],
)
def test_prediction_walks_the_list_like_tryproxies(
    goproxy: str, statuses: list[str], verdict: str, failure: str | None, says: str
) -> None:
    entries = parse_goproxy(goproxy)
    observed = {
        e.url: _seen(s, 502 if s == "HTTP_STATUS" else None)
        for e, s in zip(entries, statuses, strict=False)
    }
    got = predict(entries, observed)
    assert (got.verdict, got.failure) == (verdict, failure)
    assert says in " ".join(got.steps)


def test_checksum_database_through_proxies_like_initbase() -> None:
    entries = parse_goproxy("http://a|http://b")
    observed = {"http://a": _seen("OK"), "http://b": _seen("OK")}
    db = parse_gosumdb("sum.example+00+AA")
    # a says 404 for /supported, b proxies it: fine.
    fine = predict(
        entries,
        observed,
        sumdb=db,
        supported={"http://a": _seen("NOT_FOUND", 404), "http://b": _seen("OK")},
    )
    assert fine.verdict == "recovered"
    # a comma entry answering 502 for /supported makes the database unavailable.
    entries = parse_goproxy("http://a,http://b")
    bad = predict(
        entries,
        observed,
        sumdb=db,
        supported={"http://a": _seen("HTTP_STATUS", 502), "http://b": _seen("OK")},
    )
    assert (bad.verdict, bad.failure) == ("failed", "SUMDB")
    # no proxy serves it: go asks https://<name> itself.
    direct = predict(
        entries,
        observed,
        sumdb=db,
        supported={"http://a": _seen("NOT_FOUND", 404), "http://b": _seen("NOT_FOUND", 404)},
        sumdb_direct=_seen("REFUSED"),
    )
    assert (direct.verdict, direct.failure) == ("failed", "SUMDB")


def _goenv(goproxy: str, **more: str) -> dict[str, str]:
    return {"GOPROXY": goproxy, "GOSUMDB": "off", **more}


def test_bad_module_and_private_module_are_clear_errors() -> None:
    with pytest.raises(InvalidModuleError, match="malformed module path"):
        probe(goenv=_goenv("http://127.0.0.1:9"), module="Not A Module")
    with pytest.raises(ProbeError, match=r"matches GONOPROXY/GOPRIVATE pattern 'corp\.example'"):
        probe(
            goenv=_goenv("http://127.0.0.1:9", GOPRIVATE="corp.example"),
            module="corp.example/tools",
        )
    with pytest.raises(ProbeError, match="contains no entries"):
        probe(goenv=_goenv(","), module="example.test/greet")


def test_unknown_module_is_not_found_and_the_scenario_says_so(
    goproxy: FakeGoProxy, tmp_path: Path
) -> None:
    # goproxy is empty: it knows no module.
    report = probe(goenv=_goenv(goproxy.url), module="example.test/nothing")
    assert report.observed[goproxy.url].status == "NOT_FOUND"
    assert report.prediction.label() == "failed (NOT_FOUND)" and report.exit_code == 1
    path = tmp_path / "unknown.toml"
    path.write_text(scenario_toml(report, name="unknown"))
    s = load_scenario(path)
    assert s.expect.failure == "NOT_FOUND"
    assert s.endpoints["proxy1"].faults[0].params == {"code": 404}


def test_direct_cannot_be_written_as_a_scenario(goproxy: FakeGoProxy) -> None:
    report = probe(goenv=_goenv(f"{goproxy.url},direct"), module="example.test/nothing")
    assert report.prediction.verdict == "direct" and report.exit_code == 0
    with pytest.raises(ProbeError, match="cannot play offline"):
        scenario_toml(report)


def test_dns_failure_of_an_invalid_name_is_immediate() -> None:
    report = probe(goenv=_goenv("http://proxy.invalid|http://127.0.0.1:9"), module="example.test/x")
    first, second = report.observed.values()
    assert first.status == "DNS" and first.seconds < 1
    assert second.status == "REFUSED"
    assert report.prediction.label() == "failed (REFUSED)"  # the last entry's error
