"""The test's ``gosumdb`` knows the test's proxies without being told (issue 12, item 6): a test
that takes ``goproxy`` and ``gosumdb`` and points GOSUMDB at the database verifies with real go."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_gosumdb_knows_goproxy_and_factory_proxies(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_goproxy_modules_are_known(goproxy, gosumdb, go):
            goproxy.add_module("example.test/lib", "v1.2.0")
            project = go.project(requires={"example.test/lib": "v1.2.0"})
            result = project.tidy(env={"GOPROXY": goproxy.url, **gosumdb.env})
            result.assert_ok()
            assert gosumdb.requests(kind="lookup", module="example.test/lib")


        def test_gosumdb_set_up_first_still_knows_goproxy(gosumdb, goproxy, go):
            project = go.project(requires={"example.test/late": "v0.1.0"})
            goproxy.add_module("example.test/late", "v0.1.0")  # added after both were set up
            project.tidy(env={"GOPROXY": goproxy.url, **gosumdb.env}).assert_ok()


        def test_factory_proxies_are_known(goproxy_factory, gosumdb, go):
            mirror = goproxy_factory()
            mirror.add_module("example.test/mirrored", "v1.0.0")
            project = go.project(requires={"example.test/mirrored": "v1.0.0"})
            project.tidy(env={"GOPROXY": mirror.url, **gosumdb.env}).assert_ok()


        def test_the_next_test_starts_empty(gosumdb):
            assert not gosumdb.records()
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
