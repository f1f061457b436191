"""GOPROXY read by one rule (cmd/go's proxyList) for the probe, the configurations and the
scenario explanations."""

from __future__ import annotations

from pytest_goproxy.configs import CONFIGS
from pytest_goproxy.gomod.goenv import ProxyEntry, split_goproxy


def test_split_reads_separators_skips_empties_and_stops_at_direct_or_off() -> None:
    assert split_goproxy("{primary} |{backup},,direct,never") == [
        ProxyEntry("{primary}", "|"),
        ProxyEntry("{backup}", ","),
        ProxyEntry("direct", ""),
    ]
    assert split_goproxy("off,direct") == [ProxyEntry("off", "")]
    assert split_goproxy("http://a|") == [ProxyEntry("http://a", "")]
    assert split_goproxy("") == []


def test_configurations_use_the_origin_when_go_reads_direct() -> None:
    origin = {name for name, c in CONFIGS.items() if c.uses_origin}
    assert {"comma_direct", "pipe_direct"} <= origin
    assert "offline_warm_cache" not in origin and "single" not in origin
