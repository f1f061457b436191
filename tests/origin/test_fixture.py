"""The ``goorigin`` fixture: a fake VCS host the test's ``go`` reaches by name."""

from __future__ import annotations

from pytest_goproxy import Failure, FakeGoProxy, FakeOrigin, GoRunner
from pytest_goproxy.gorun import classify


def test_goprivate_modules_come_from_the_origin_and_the_rest_from_the_proxy(
    goorigin: FakeOrigin, goproxy: FakeGoProxy, go: GoRunner
) -> None:
    goorigin.add_module("corp.example/lib", "v1.0.0", {"lib.go": "package lib\n"})
    goproxy.add_module("example.test/pub", "v1.0.0", files={"pub.go": "package pub\n"})
    project = go.project(requires={"corp.example/lib": "v1.0.0", "example.test/pub": "v1.0.0"})
    env = {"GOPROXY": goproxy.url, "GOPRIVATE": "corp.example", "GOSUMDB": "off"}
    project.tidy(env=env).assert_ok()
    assert goorigin.requests("upload_pack", repo="corp.example/lib")
    assert goproxy.requests(module="example.test/pub")
    assert not goproxy.requests(module="corp.example/lib")


def test_without_goprivate_the_proxys_404_stops_a_comma_free_list(
    goorigin: FakeOrigin, goproxy: FakeGoProxy, go: GoRunner
) -> None:
    """The private module is at its origin only: GOPROXY with no `direct` gets the proxy's 404."""
    goorigin.add_module("corp.example/lib", "v1.0.0", {"lib.go": "package lib\n"})
    project = go.project(requires={"corp.example/lib": "v1.0.0"})
    result = project.tidy(env={"GOPROXY": goproxy.url, "GOSUMDB": "off"})
    result.assert_failure(Failure.NOT_FOUND)
    assert not goorigin.requests("upload_pack")


def test_a_host_nobody_serves_is_still_refused(goorigin: FakeOrigin, go: GoRunner) -> None:
    project = go.project(requires={"other.example/lib": "v1.0.0"})
    result = project.tidy(env={"GOPROXY": "direct", "GOSUMDB": "off"})
    assert not result.ok
    assert any("other.example" in str(e) for e in result.escapes)


def test_the_result_lists_what_was_reached_by_name(goorigin: FakeOrigin, go: GoRunner) -> None:
    goorigin.add_module("corp.example/lib", "v1.0.0", {"lib.go": "package lib\n"})
    result = go.run(
        ["mod", "download", "-json", "corp.example/lib@v1.0.0"],
        env={"GOPROXY": "direct", "GOPRIVATE": "corp.example", "GOSUMDB": "off"},
    )
    result.assert_ok()
    assert "CONNECT corp.example:443" in {str(r) for r in result.routed}
    assert not result.escapes


def test_git_saying_a_repository_is_not_found_is_not_found() -> None:
    """git's words when a go-import tag names a repository its host lacks (recorded, git 2.39)."""
    c = classify(
        "go: corp.example/lib@v1.0.0: git ls-remote -q origin in /tmp/x: exit status 128:\n"
        "\tremote: Repository not found.\n"
        "\tfatal: repository 'https://corp.example/lib/' not found\n"
    )
    assert (c.failure, c.url, c.host) == (
        Failure.NOT_FOUND,
        "https://corp.example/lib/",
        "corp.example",
    )
