"""Where a module lives in an origin: repository, directory and tag, by cmd/go's rules."""

from __future__ import annotations

import pytest

from pytest_goproxy.errors import InvalidModuleError, UsageError
from pytest_goproxy.origin import layout_of
from pytest_goproxy.origin.layout import check_tag_version

HOSTS = ("corp.example", "git.corp.example")


@pytest.mark.parametrize(
    ("path", "major_subdir", "repo", "directory", "tag"),
    [
        ("corp.example/lib", False, "lib", "", "v1.2.3"),
        ("corp.example/lib/sub", False, "lib", "sub", "sub/v1.2.3"),
        ("corp.example/lib/a/b", False, "lib", "a/b", "a/b/v1.2.3"),
        ("corp.example/lib/v2", False, "lib", "", "v2.0.0"),
        ("corp.example/lib/v2", True, "lib", "v2", "v2.0.0"),
        ("corp.example/lib/sub/v3", False, "lib", "sub", "sub/v3.0.0"),
        ("corp.example/lib/sub/v3", True, "lib", "sub/v3", "sub/v3.0.0"),
        ("git.corp.example/tool", False, "tool", "", "v1.2.3"),
    ],
)
def test_layout(path: str, major_subdir: bool, repo: str, directory: str, tag: str) -> None:
    layout = layout_of(path, HOSTS, major_subdir=major_subdir)
    version = {"v2": "v2.0.0", "v3": "v3.0.0"}.get(path.rsplit("/", 1)[-1], "v1.2.3")
    assert (layout.repo, layout.directory, layout.tag(version)) == (repo, directory, tag)
    assert layout.root == f"{path.split('/')[0]}/{repo}"


def test_an_incompatible_version_is_tagged_without_its_suffix() -> None:
    assert layout_of("corp.example/lib", HOSTS).tag("v2.0.0+incompatible") == "v2.0.0"


@pytest.mark.parametrize(
    ("path", "kwargs", "error", "says"),
    [
        ("other.example/lib", {}, UsageError, "serves corp.example, git.corp.example, not other"),
        ("corp.example", {}, UsageError, "cannot name a repository"),
        ("corp.example/v2", {}, UsageError, "cannot name a repository"),
        ("corp.example/x.git", {}, UsageError, "cannot name a repository"),
        ("corp.example/lib", {"major_subdir": True}, UsageError, "no /vN suffix"),
        ("corp.example/Lib/../x", {}, InvalidModuleError, "malformed module path"),
    ],
)
def test_paths_an_origin_cannot_serve(
    path: str, kwargs: dict[str, bool], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says.replace(".", r"\.").replace("/", "/")):
        layout_of(path, HOSTS, **kwargs)


@pytest.mark.parametrize(
    ("path", "version", "says"),
    [
        ("corp.example/lib", "v0.0.0-20240101000000-abcdefabcdef", "use add_commit"),
        ("corp.example/lib", "v2.0.0", "should be v0 or v1"),
        ("corp.example/lib/v2", "v1.0.0", "should be v2"),
        ("corp.example/lib", "v1.0", "not canonical"),
        ("corp.example/lib", "v1.0.0+incompatible", "major version v1 is compatible"),
    ],
)
def test_versions_a_tag_cannot_carry(path: str, version: str, says: str) -> None:
    with pytest.raises(InvalidModuleError, match=says):
        check_tag_version(layout_of(path, HOSTS), version)
