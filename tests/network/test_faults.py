"""The fault catalogue: entries are complete, parameters validated, the README table generated."""

from __future__ import annotations

import math

import pytest

from pytest_goproxy.errors import FaultError
from pytest_goproxy.network.faults import FAULTS, fault_names, fault_table_markdown, get_fault

REQUIRED = {
    "latency",
    "bandwidth",
    "slicer",
    "slow_close",
    "refused",
    "dns",
    "blackhole",
    "dial_timeout",
    "reset",
    "truncate",
    "down_for",
    "down_after",
    "down_after_bytes",
    "intercepted",
    "expired_cert",
    "wrong_host",
    "tls_stall",
    "plain_http",
    # resolver faults (issue 27): played by network.FakeResolver on a name
    "dns_nxdomain",
    "dns_servfail",
    "dns_refused",
    "dns_timeout",
    "dns_slow",
    "dns_hijack",
    "dns_aaaa_only",
}


def test_catalogue_has_every_fault_of_the_issue() -> None:
    assert set(fault_names()) == REQUIRED


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_entry_is_documented(name: str) -> None:
    fault = FAULTS[name]
    assert fault.name == name
    for text in (fault.summary, fault.how, fault.comma, fault.pipe):
        assert text.strip()
    if fault.mechanism == "toxic":
        assert fault.toxic is not None
        assert fault.toxic.attributes_for(fault.bind({})) is not None
    for param in fault.params:
        assert param.doc and param.unit
        assert param.check(name, param.default) == param.default


def test_unknown_fault_lists_the_valid_ones() -> None:
    with pytest.raises(FaultError) as info:
        get_fault("lag")
    message = str(info.value)
    assert "'lag'" in message
    for name in REQUIRED:
        assert name in message
    assert isinstance(info.value, ValueError)


def test_unknown_parameter_lists_the_valid_ones() -> None:
    with pytest.raises(FaultError, match=r"no parameter 'delay'.*valid parameters: ms, jitter"):
        get_fault("latency").bind({"delay": 3})


def test_parameterless_fault_says_so() -> None:
    with pytest.raises(FaultError, match="valid parameters: none"):
        get_fault("refused").bind({"ms": 1})


@pytest.mark.parametrize(
    ("fault", "params", "match"),
    [
        ("latency", {"ms": -1}, "must be >= 0"),
        ("latency", {"ms": "300"}, "must be an integer"),
        ("latency", {"ms": True}, "must be an integer"),
        ("latency", {"ms": 1.5}, "must be an integer"),
        ("bandwidth", {"rate": 0}, "must be >= 1"),
        ("down_for", {"seconds": math.nan}, "must be >= 0"),
        ("down_for", {"seconds": 1e9}, "<= 3600"),
        ("truncate", {"bytes": None}, "must be an integer"),
    ],
)
def test_bad_parameter_values(fault: str, params: dict[str, object], match: str) -> None:
    with pytest.raises(FaultError, match=match):
        get_fault(fault).bind(params)


def test_defaults_are_filled_and_values_converted() -> None:
    assert get_fault("latency").bind({"jitter": 5}) == {"ms": 300, "jitter": 5}
    assert get_fault("latency").bind({"ms": 10.0}) == {"ms": 10, "jitter": 0}
    assert get_fault("down_for").bind({"seconds": 1}) == {"seconds": 1}


def test_toxic_attributes_use_toxiproxy_names() -> None:
    assert get_fault("latency").toxic.attributes_for({"ms": 7, "jitter": 1}) == {  # type: ignore[union-attr]
        "latency": 7,
        "jitter": 1,
    }
    assert get_fault("blackhole").toxic.attributes_for({}) == {"timeout": 0}  # type: ignore[union-attr]


def test_table_is_generated_from_the_catalogue() -> None:
    table = fault_table_markdown()
    lines = table.strip().splitlines()
    assert len(lines) == 2 + len(FAULTS)
    header_cells = lines[0].count(" | ")
    for name, line in zip(FAULTS, lines[2:], strict=True):
        assert line.startswith(f"| `{name}` |")
        # escaped pipes don't split cells: every row has the header's cell count
        assert line.replace("\\|", "").count(" | ") == header_cells
    assert "`GOPROXY=a\\|b`" in lines[0]
