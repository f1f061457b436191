"""The goproxy fixtures as users meet them: through pytester."""

from __future__ import annotations

import pytest


def test_goproxy_fixture_serves_and_is_empty_in_each_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_first(goproxy):
            assert goproxy.url.startswith("http://127.0.0.1:")
            goproxy.add_module("example.test/lib", "v1.0.0")
            r = httpx.get(goproxy.url + "/example.test/lib/@v/list")
            assert r.text == "v1.0.0\\n"
            goproxy.assert_requested("list", "example.test/lib")

        def test_second_sees_nothing_of_the_first(goproxy):
            assert goproxy.store.modules() == []
            assert goproxy.request_log == []
            assert httpx.get(goproxy.url + "/example.test/lib/@v/list").status_code == 404
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_goproxy_factory_makes_independent_proxies(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_two(goproxy, goproxy_factory):
            backup = goproxy_factory()
            mirror = goproxy_factory(store=goproxy.store)
            goproxy.add_module("example.test/lib", "v1.0.0")
            assert len({goproxy.url, backup.url, mirror.url}) == 3
            assert httpx.get(backup.url + "/example.test/lib/@v/list").status_code == 404
            assert httpx.get(mirror.url + "/example.test/lib/@v/list").text == "v1.0.0\\n"
            assert backup.request_log and not goproxy.request_log
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_invalid_module_path_is_one_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_goproxy import InvalidModuleError

        def test_bad(goproxy):
            with pytest.raises(InvalidModuleError, match="malformed module path"):
                goproxy.add_module("no-dot-here/lib", "v1.0.0")
            with pytest.raises(InvalidModuleError, match="version"):
                goproxy.add_module("example.test/lib", "1.0.0")
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    for fixture, doc in (("goproxy", "*fake GOPROXY*"), ("goproxy_factory", "*independent*")):
        result.stdout.fnmatch_lines([f"{fixture} -- *", doc])  # each name, then its docstring
