"""The ``fake_resolver`` fixture as a user meets it: a test file run by pytester, go asking the
resolver from its namespace, the options fixture overridden, the marker added."""

from __future__ import annotations

import pytest

from pytest_goproxy.ci import skip_or_fail
from pytest_goproxy.gorun import namespace_unavailable

USER_TEST = """
import pytest

from pytest_goproxy.gorun import Failure


@pytest.fixture
def fake_resolver_options():
    return ("timeout:1", "attempts:1")


def test_servfail_stops_comma(go, fake_resolver):
    assert fake_resolver.options == ("timeout:1", "attempts:1")
    fake_resolver.add("goproxy.cn", "127.0.0.1")
    fake_resolver.inject("goproxy.cn", "dns_servfail")
    app = go.project(requires={"example.test/lib": "v1.2.0"})
    result = app.tidy(
        env={"GOPROXY": "https://goproxy.cn", "GOSUMDB": "off"}, resolver=fake_resolver
    )
    result.assert_failure(Failure.DNS)
    assert "lookup goproxy.cn on " + fake_resolver.address + ":53: server misbehaving" in (
        result.stderr
    )
    assert {q.rcode for q in fake_resolver.asked("goproxy.cn")} == {"SERVFAIL"}


def test_marked(request, fake_resolver):
    assert request.node.get_closest_marker("network_faults") is not None
"""


def test_the_fixture_as_a_user_meets_it(pytester: pytest.Pytester) -> None:
    reason = namespace_unavailable()
    if reason is not None:
        skip_or_fail(f"go cannot meet a fake resolver here: {reason}")
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_without_namespaces_the_fixture_skips_saying_why(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_goproxy.gorun import namespace

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(namespace, "namespace_unavailable", lambda: "no unshare here")
    pytester.makepyfile(test_user="def test_it(fake_resolver):\n    pass\n")
    result = pytester.runpytest_inprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*go cannot meet a fake resolver here: no unshare here*"])
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
