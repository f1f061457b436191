"""The HTTP fault catalogue: entries, parameter and selector validation, the README table."""

from __future__ import annotations

import pytest

from pytest_goproxy.errors import FaultError
from pytest_goproxy.httpfaults import (
    ALL_KINDS,
    HTTP_FAULTS,
    HTTPFaultSpec,
    get_http_fault,
    http_fault_names,
    http_fault_table_markdown,
)
from pytest_goproxy.httpfaults.engine import _PLAYERS
from pytest_goproxy.network.faults import Param
from pytest_goproxy.serving.requestlog import RequestKind

REQUIRED = {
    "status",
    "invalid_body",
    "corrupt_zip",
    "wrong_zip",
    "cut_body",
    "slow_first_byte",
    "slow_body",
    "redirect",
    "stale_list",
}


def test_every_required_fault_is_in_the_catalogue_and_can_be_played() -> None:
    assert set(http_fault_names()) >= REQUIRED
    assert set(_PLAYERS) == set(HTTP_FAULTS)


@pytest.mark.parametrize("name", sorted(HTTP_FAULTS))
def test_entries_are_documented_and_defaults_validate(name: str) -> None:
    fault = get_http_fault(name)
    assert fault.summary and fault.how and fault.go and fault.comma and fault.pipe
    assert fault.kinds and set(fault.kinds) <= set(ALL_KINDS)
    spec = HTTPFaultSpec.from_params(name, {})
    assert spec.selection.kinds == frozenset(fault.kinds)
    assert set(spec.params) == set(fault.param_names())


def test_numeric_params_reuse_the_network_param_type() -> None:
    assert isinstance(get_http_fault("status").params[0], Param)


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(FaultError, match="valid HTTP faults: status, invalid_body"):
        HTTPFaultSpec.from_params("status_code", {})


def test_unknown_param_lists_params_and_selectors() -> None:
    with pytest.raises(
        FaultError,
        match=r"no parameter 'cod'; valid parameters: code, "
        r"retry_after; selectors: kind, module, version, times",
    ):
        HTTPFaultSpec.from_params("status", {"cod": 500})


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("status", {"code": 200}, r"'code' must be >= 400 and <= 599"),
        ("status", {"code": "502"}, r"'code' must be an integer"),
        ("status", {"code": 502.5}, r"'code' must be an integer"),
        ("status", {"retry_after": -1}, r"'retry_after' must be >= 0"),
        ("cut_body", {"fraction": 1.5}, r"'fraction' must be >= 0 and <= 1"),
        ("slow_body", {"rate": 0}, r"'rate' must be >= 1"),
        ("redirect", {"code": 304}, r"one of 301, 302, 303, 307, 308"),
        ("redirect", {"n": 0}, r"'n' must be >= 1 and <= 20"),
        ("redirect", {"to": "ftp://x"}, r"http:// or https:// URL"),
        ("redirect", {"to": 8080}, r"must be a URL string"),
        ("stale_list", {"hide": 0}, r"'hide' must be >= 1"),
        ("corrupt_zip", {"not_zip": 2}, r"'not_zip' must be >= 0 and <= 1"),
        ("status", {"times": -1}, r"'times' must be >= 0"),
        ("status", {"every": 0}, r"'every' must be >= 1"),
        ("status", {"probability": 1.01}, r"'probability' must be >= 0 and <= 1"),
        ("status", {"probability": True}, r"'probability' must be a number"),
        ("status", {"seed": 1.5}, r"'seed' must be an integer"),
        ("status", {"module": 3}, r"selector 'module' must be a string"),
        ("status", {"version": ["v1"]}, r"selector 'version' must be a string"),
        ("status", {"kind": "zipp"}, r"kind 'zipp' .* valid kinds: list, info, mod, zip, "),
        ("status", {"kind": []}, r"kind= is empty"),
        ("status", {"kind": 3}, r"kind 3 is not"),
        ("corrupt_zip", {"kind": "info"}, r"kind 'info' .* valid kinds: zip$"),
        ("stale_list", {"kind": ["list", "zip"]}, r"valid kinds: list, latest"),
        ("status", {"kind": "other"}, r"kind 'other'"),
    ],
)
def test_bad_values_say_what_is_allowed(name: str, params: dict[str, object], message: str) -> None:
    with pytest.raises(FaultError, match=message):
        HTTPFaultSpec.from_params(name, params)


def test_selectors_bind() -> None:
    spec = HTTPFaultSpec.from_params(
        "status",
        {
            "code": 503,
            "kind": ["zip", RequestKind.MOD],
            "module": "example.test/*",
            "version": "v1.0.0",
            "times": 2,
            "every": 3,
            "probability": 0.5,
            "seed": 7,
        },
    )
    sel = spec.selection
    assert spec.params == {"code": 503, "retry_after": 0}
    assert sel.kinds == {RequestKind.ZIP, RequestKind.MOD}
    assert (sel.module, sel.version, sel.times, sel.every, sel.probability, sel.seed) == (
        "example.test/*",
        "v1.0.0",
        2,
        3,
        0.5,
        7,
    )
    assert "times=2" in sel.describe() and "probability=0.5 seed=7" in sel.describe()


def test_redirect_to_loses_its_trailing_slash() -> None:
    spec = HTTPFaultSpec.from_params("redirect", {"to": "http://127.0.0.1:9/"})
    assert spec.params["to"] == "http://127.0.0.1:9"


def test_table_has_a_row_per_fault_and_escapes_pipes() -> None:
    table = http_fault_table_markdown()
    lines = table.splitlines()
    assert lines[0].startswith("| Fault | Parameters | Kinds |")
    rows = [line for line in lines if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == http_fault_names()
    header_cells = lines[0].count(" | ")
    for row in rows:
        assert row.replace("\\|", "").count(" | ") == header_cells
    assert "`GOPROXY=a\\|b`" in lines[0]
    assert "`times` (requests, default 0)" in table
