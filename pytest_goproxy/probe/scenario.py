"""``pytest-goproxy probe --write-scenario``: what :func:`~pytest_goproxy.probe.probe` saw, as a
scenario file (:mod:`pytest_goproxy.scenarios`) whose ``[expect]`` is the prediction, so
``pytest-goproxy run`` replays the outage offline.

Each observation is played by a fault of the catalogues (``_PLAYED``); a TLS failure by the TLS
fault that makes the same error (:func:`tls_fault`), on an endpoint that speaks HTTPS; what no
fault makes (a network failure on ``/supported`` alone) gets a stand-in go treats alike, noted in
the file.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from pytest_goproxy.errors import ProbeError
from pytest_goproxy.gomod.goenv import ProxyEntry
from pytest_goproxy.probe.observe import Observation, ProbeReport, SumDBConfig, predict

__all__ = ["scenario_toml", "tls_fault", "write_scenario"]

Played = tuple[Literal["network", "http"], str, dict[str, Any]]

#: How each observation is played by a fault (layer, catalogue name, parameters).
_PLAYED: dict[str, Played] = {
    "REFUSED": ("network", "refused", {}),
    "DNS": ("network", "dns", {}),
    "DIAL_TIMEOUT": ("network", "dial_timeout", {}),
    "HUNG": ("network", "blackhole", {}),
    "RESET": ("network", "reset", {}),
    "TRUNCATED": ("http", "cut_body", {}),
    "INVALID_RESPONSE": ("http", "invalid_body", {}),
}


#: What a TLS handshake error says (Python's ssl module, as the probe sees it) -> the TLS fault
#: that makes go see the same; the first match wins.
_TLS_CAUSES: tuple[tuple[str, str], ...] = (
    ("has expired", "expired_cert"),
    ("mismatch", "wrong_host"),  # "Hostname mismatch", "IP address mismatch"
    ("not valid for", "wrong_host"),
    ("wrong version number", "plain_http"),  # a plain-HTTP answer to a ClientHello
    ("record layer failure", "plain_http"),
    ("packet length too long", "plain_http"),
    ("http request", "plain_http"),
    ("unable to get local issuer", "intercepted"),  # a CA we do not trust
    ("self-signed certificate", "intercepted"),
    ("self signed certificate", "intercepted"),
    ("unknown authority", "intercepted"),
)


def tls_fault(detail: str) -> str:
    """The TLS fault that plays a handshake failure reading ``detail`` (a certificate from an
    authority nobody here trusts, the firewall case, when nothing more telling is said)."""
    lowered = detail.lower()
    for needle, fault in _TLS_CAUSES:
        if needle in lowered:
            return fault
    return "intercepted"


def _played(o: Observation) -> tuple[Observation, Played | None, str]:
    """The observation the scenario will show, the fault that plays it, a note on a stand-in."""
    if o.ok:
        return o, None, ""
    if o.status in ("HTTP_STATUS", "NOT_FOUND"):
        return o, ("http", "status", {"code": o.code or 404}), ""
    if o.status == "TLS":
        fault = tls_fault(o.detail)
        return o, ("network", fault, {}), f"observed TLS ({o.detail}), played by {fault}"
    if o.status == "DIAL_TIMEOUT" and o.step == "tls":  # connected, then no ServerHello
        return o, ("network", "tls_stall", {}), "observed a stalled TLS handshake"
    if o.status == "DNS" and o.dns in ("servfail", "timeout"):
        # the resolver failed or kept silent: a fake resolver plays that (go meets it in a
        # private mount namespace), where a name under .invalid would say "no such host"
        fault = f"dns_{o.dns}"
        return o, ("network", fault, {}), f"observed a resolver {o.dns}, played by {fault}"
    return o, _PLAYED[o.status], ""


def _supported_played(s: Observation) -> tuple[Observation, Played, str]:
    """A failed /supported on a proxy whose module requests worked: only HTTP faults select
    requests by kind, so a network failure there is played by an HTTP answer that go treats
    alike (a 502 for an error, a long first-byte delay for a hang)."""
    played, fault, note = _played(s)
    assert fault is not None
    if fault[0] == "http":
        return played, fault, note
    if s.status == "HUNG":
        return s, ("http", "slow_first_byte", {"seconds": 300}), f"observed {s.label()}"
    return (
        replace(s, status="HTTP_STATUS", code=502),
        ("http", "status", {"code": 502}),
        (f"observed {s.label()}, played by a 502"),
    )


def _fault_toml(fault: Played, **extra: object) -> str:
    items = [f"fault = {_toml_value(fault[1])}"]
    items += [f"{k} = {_toml_value(v)}" for k, v in {**fault[2], **extra}.items()]
    return "{ " + ", ".join(items) + " }"


def _toml_value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # numbers, strings: JSON spells them as TOML


def _proxy_endpoint(
    name: str, entry: ProxyEntry, report: ProbeReport
) -> tuple[str, Observation, Observation]:
    """The ``[endpoints.<name>]`` block for one proxy entry, and the @v/list and /supported
    observations the scenario will play."""
    listed = report.observed[entry.url]
    played, fault, note = _played(listed)
    lines = [f"[endpoints.{name}]", f"# {entry.url}: @v/list {listed.label()} {note}".rstrip()]
    if entry.url.startswith("https://"):
        lines.append("tls = true")  # as the real one: TLS faults need a TLS endpoint
    layers: dict[str, list[str]] = {"network": [], "http": []}
    if fault is not None:
        layers[fault[0]].append(_fault_toml(fault))
    supported = played
    s = report.supported.get(entry.url)
    if fault is None and s is not None:
        supported = s
        if not s.ok:
            supported, s_fault, s_note = _supported_played(s)
            layers["http"].append(_fault_toml(s_fault, kind="sumdb"))
            lines.append(f"# /sumdb/.../supported: {s.label()} {s_note}".rstrip())
    for layer, faults in layers.items():
        if faults:
            lines.append(f"{layer} = [{', '.join(faults)}]")
    return "\n".join(lines), played, supported


def scenario_toml(report: ProbeReport, *, name: str = "probe") -> str:
    """A scenario file reproducing ``report``: one fake proxy per GOPROXY entry with the fault
    matching what it did, GOPROXY rebuilt with the same separators, ``[expect]`` = the
    prediction for what the scenario plays. :class:`ProbeError` if go would go ``direct``."""
    if report.prediction.verdict == "direct":
        raise ProbeError(
            "go would reach `direct` (the module's origin, its VCS host), which a scenario "
            "cannot play offline; nothing to write"
        )
    names: dict[str, str] = {}
    observed: dict[str, Observation] = {}
    supported: dict[str, Observation] = {}
    blocks: list[str] = []
    goproxy = ""
    for entry in report.entries:
        if not entry.is_proxy:
            goproxy += entry.url
            break
        if entry.url not in names:
            names[entry.url] = f"proxy{len(names) + 1}"
            block, observed[entry.url], supported[entry.url] = _proxy_endpoint(
                names[entry.url], entry, report
            )
            blocks.append(block)
        goproxy += "{" + names[entry.url] + "}" + entry.sep
    env = [f"GOPROXY = {_toml_value(goproxy)}"]
    sumdb = report.sumdb
    played_db: SumDBConfig | None = None
    direct: Observation | None = None
    if sumdb is None:
        env.append('GOSUMDB = "off"')
    elif report.sumdb_direct is not None:
        # go reached the database itself: give it the fake database's URL (no proxy asked).
        env.append('GOSUMDB = "{sumdb}"')
        played_db = SumDBConfig(False, "", "sumdb.goproxy.test", "{sumdb_url}")
        direct, fault, note = _played(report.sumdb_direct)
        db_lines = ["[endpoints.sumdb]", 'kind = "sumdb"']
        db_lines.append(f"# {sumdb.direct_url}/latest: {report.sumdb_direct.label()}")
        if fault is not None and fault[0] == "http":  # a database takes network faults only
            direct, fault = replace(direct, status="REFUSED", code=None), _PLAYED["REFUSED"]
            note = f"observed {report.sumdb_direct.label()}, played by refused"
        if fault is not None:
            db_lines.append(f"network = [{_fault_toml(fault)}]" + (f"  # {note}" if note else ""))
        blocks.append("\n".join(db_lines))
    else:
        # go reached it through a proxy (or stopped at one): the proxies serve the fake one.
        env.append('GOSUMDB = "{sumdb_key}"')
        played_db = SumDBConfig(False, "", "sumdb.goproxy.test")
        blocks.append('[endpoints.sumdb]\nkind = "sumdb"')
    expect = predict(
        report.entries, observed, sumdb=played_db, supported=supported, sumdb_direct=direct
    )
    seen = [*observed.values(), *supported.values(), *([direct] if direct else [])]
    timeout = 150 if any(o.status == "DIAL_TIMEOUT" for o in seen) else 30
    if expect.verdict == "hung":
        timeout = 5  # the verdict is the timeout itself (as in outages/proxy_blackholed.toml)
    described = f"What `pytest-goproxy probe` saw for {report.module}: " + "; ".join(
        report.prediction.steps
    )
    lines = [
        "# Written by `pytest-goproxy probe --write-scenario`; replay: pytest-goproxy run FILE",
        f"# GOPROXY={report.goenv.get('GOPROXY', '')} GOSUMDB={report.goenv.get('GOSUMDB', '')}",
        f"name = {_toml_value(name)}",
        f"description = {_toml_value(described)}",
        f"timeout = {timeout}",
        "",
        "[env]",
        *env,
        "",
        *(b + "\n" for b in blocks),
        "[expect]",
        f"verdict = {_toml_value(expect.verdict)}",
    ]
    if expect.failure is not None:
        lines.append(f"failure = {_toml_value(expect.failure)}")
    if expect.label() != report.prediction.label():
        lines.insert(2, f"# probe predicted {report.prediction.label()}; stand-ins give this")
    return "\n".join(lines) + "\n"


def write_scenario(report: ProbeReport, path: str | os.PathLike[str]) -> Path:
    """Write :func:`scenario_toml` to ``path``; it is loaded back at once, so a file that would
    not load is never left behind silently."""
    from pytest_goproxy.scenarios import load_scenario

    target = Path(path)
    stem = "".join(c if c.isalnum() else "_" for c in target.stem)
    title = stem if stem[:1].isalpha() else "probe"
    target.write_text(scenario_toml(report, name=title), encoding="utf-8")
    load_scenario(target)
    return target
