"""The probe tells a resolver that fails (SERVFAIL, REFUSED) or keeps silent from a name that
does not exist, and writes the resolver fault that plays it (dns_servfail, dns_timeout) instead
of ``dns``.

getaddrinfo says only "Temporary failure in name resolution" for both, so the probe asks the
resolvers of /etc/resolv.conf itself (:func:`~pytest_goproxy.probe.observe.dns_cause`). The end
to end tests run the probe with glibc's resolver in a private mount namespace whose resolv.conf
names the fake resolver."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_goproxy.ci import skip_or_fail
from pytest_goproxy.errors import NamespaceUnavailable
from pytest_goproxy.gorun import namespace as ns
from pytest_goproxy.network import FakeResolver
from pytest_goproxy.probe.observe import dns_cause, nameservers

pytestmark = pytest.mark.network_faults


@pytest.fixture
def resolver() -> Iterator[FakeResolver]:
    try:
        started = FakeResolver(
            {"goproxy.cn": "127.0.0.1"}, options=("timeout:1", "attempts:1")
        ).start()
    except NamespaceUnavailable as exc:
        skip_or_fail(exc)
    with started:
        yield started


def test_nameservers_are_read_as_resolv_conf_says(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text(
        "# a comment\nsearch corp.example\nnameserver 127.0.0.53\n"
        "nameserver 10.0.0.2 # the second\n; old style\noptions timeout:1\n"
    )
    assert nameservers(conf) == ["127.0.0.53", "10.0.0.2"]
    assert nameservers(tmp_path / "missing") == []


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        ("dns_servfail", "servfail"),
        ("dns_refused", "servfail"),
        ("dns_nxdomain", "nxdomain"),
        ("dns_timeout", "timeout"),
        (None, None),
    ],
)
def test_the_resolver_asked_directly(
    resolver: FakeResolver, fault: str | None, cause: str | None
) -> None:
    if fault is not None:
        resolver.inject("goproxy.cn", fault)
    assert dns_cause("goproxy.cn", servers=[resolver.address], timeout=0.5) == cause
    assert resolver.asked("goproxy.cn", "A")
    assert dns_cause("goproxy.cn", servers=[]) is None


#: The probe of a user whose GOPROXY is goproxy.cn, run where glibc asks the fake resolver; it
#: prints what it saw of goproxy.cn and the scenario it writes.
PROBE = """
import json
from pytest_goproxy.probe.observe import probe
from pytest_goproxy.probe.scenario import scenario_toml
goenv = {"GOPROXY": "https://goproxy.cn", "GOSUMDB": "off", "GOPRIVATE": "", "GONOSUMDB": "",
         "GONOPROXY": "", "GOFLAGS": ""}
report = probe(goenv=goenv, timeout=1)
o = report.observed["https://goproxy.cn"]
print(json.dumps({"seen": [o.status, o.step, o.dns, o.detail], "toml": scenario_toml(report)}))
"""


@pytest.mark.parametrize(
    ("fault", "played"), [("dns_servfail", "servfail"), ("dns_timeout", "timeout")]
)
def test_probe_writes_the_resolver_fault(
    resolver: FakeResolver, tmp_path: Path, fault: str, played: str
) -> None:
    reason = ns.namespace_unavailable()
    if reason is not None:
        skip_or_fail(f"no private mount namespace here: {reason}")
    resolver.inject("goproxy.cn", fault)
    files = ns.write_namespace_files(tmp_path / "etc", resolver)
    done = subprocess.run(
        ns.namespace_argv([sys.executable, "-c", PROBE], files),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    status, step, dns, detail = out["seen"]
    assert (status, step, dns) == ("DNS", "dns", played)
    assert "Temporary failure in name resolution" in detail or "timeout" in detail
    assert f"the resolver, asked directly: {played}" in detail
    assert resolver.asked("goproxy.cn")  # glibc asked us, then the probe did
    toml = out["toml"]
    assert f'"dns_{played}"' in toml, toml
    assert f"observed a resolver {played}, played by dns_{played}" in toml
    assert '"dns"' not in toml
