"""Origins laid out as cmd/go finds real ones, checked with the real go and git.

One FakeOrigin plays the code hosts of a real dependency graph: github.com (cmd/go's static
table: no ``?go-get=1`` page is asked), golang.org pages naming go.googlesource.com
repositories, a vanity host (go.uber.org naming a github.com repository), gopkg.in (its
``.vN`` roots), several modules in one repository under prefixed tags, and a ``/vN`` module
beside its v1 in one repository. go fetches each directly (``GOPROXY=direct``).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from pytest_goproxy.errors import UsageError
from pytest_goproxy.gorun import GoRunner
from pytest_goproxy.origin import FakeOrigin, recording
from pytest_goproxy.origin.layout import RepoRoot, layout_of, repo_root, root_from_origin
from pytest_goproxy.origin.log import OriginRequestKind
from pytest_goproxy.origin.recording import _ask, parse_go_import

HOSTS = ("github.com", "golang.org", "go.googlesource.com", "go.uber.org", "gopkg.in")
DIRECT = {"GOPROXY": "direct", "GOSUMDB": "off", "GOFLAGS": "-mod=mod"}


@pytest.mark.parametrize(
    ("path", "root", "url", "static"),
    [
        (
            "github.com/uber-go/zap",
            "github.com/uber-go/zap",
            "https://github.com/uber-go/zap",
            True,
        ),
        ("github.com/charm/x/ansi", "github.com/charm/x", "https://github.com/charm/x", True),
        ("github.com/a/b/v2", "github.com/a/b", "https://github.com/a/b", True),
        ("bitbucket.org/a/b/c", "bitbucket.org/a/b", "https://bitbucket.org/a/b", True),
        ("gopkg.in/yaml.v3", "gopkg.in/yaml.v3", "https://gopkg.in/yaml.v3", False),
        (
            "gopkg.in/src-d/go-git.v4",
            "gopkg.in/src-d/go-git.v4",
            "https://gopkg.in/src-d/go-git.v4",
            False,
        ),
        ("gopkg.in/yaml.v3/sub", "gopkg.in/yaml.v3", "https://gopkg.in/yaml.v3", False),
        ("corp.example/lib/sub", "corp.example/lib", "https://corp.example/lib", False),
    ],
)
def test_roots_by_cmd_go_rules(path: str, root: str, url: str, static: bool) -> None:
    assert repo_root(path) == RepoRoot(root, url, static)


def test_a_known_root_wins_the_longest_first() -> None:
    known = [
        RepoRoot("golang.org/x/tools", "https://go.googlesource.com/tools"),
        RepoRoot("golang.org/x/tools/gopls", "https://go.googlesource.com/tools-gopls"),
    ]
    assert repo_root("golang.org/x/tools/gopls/internal", known) == known[1]
    assert repo_root("golang.org/x/tools/cmd", known) == known[0]
    assert repo_root("golang.org/x/toolsy", known).root == "golang.org/x"  # not a path prefix


@pytest.mark.parametrize(
    ("path", "url", "subdir", "root", "static"),
    [
        ("golang.org/x/sys", "https://go.googlesource.com/sys", "", "golang.org/x/sys", False),
        (
            "golang.org/x/tools/gopls",
            "https://go.googlesource.com/tools",
            "gopls",
            "golang.org/x/tools",
            False,
        ),
        ("go.uber.org/zap", "https://github.com/uber-go/zap", "", "go.uber.org/zap", False),
        ("mvdan.cc/sh/v3", "https://github.com/mvdan/sh", "", "mvdan.cc/sh", False),
        ("gopkg.in/yaml.v3", "https://gopkg.in/yaml.v3", "", "gopkg.in/yaml.v3", False),
        (
            "github.com/charm/x/ansi",
            "https://github.com/charm/x",
            "ansi",
            "github.com/charm/x",
            True,
        ),
    ],
)
def test_roots_from_a_proxys_origin_field(
    path: str, url: str, subdir: str, root: str, static: bool
) -> None:
    assert root_from_origin(path, url, subdir) == RepoRoot(root, url, static)


def test_layouts_in_repositories_of_other_hosts() -> None:
    sys_root = RepoRoot("golang.org/x/sys", "https://go.googlesource.com/sys")
    layout = layout_of("golang.org/x/sys", HOSTS, roots=[sys_root])
    assert (layout.host, layout.repo, layout.directory, layout.tag("v0.1.0")) == (
        "go.googlesource.com",
        "sys",
        "",
        "v0.1.0",
    )
    ansi = layout_of("github.com/charm/x/ansi", HOSTS)
    assert (ansi.repo, ansi.directory, ansi.tag("v0.2.0")) == ("charm/x", "ansi", "ansi/v0.2.0")
    yaml = layout_of("gopkg.in/yaml.v3", HOSTS)
    assert (yaml.host, yaml.repo, yaml.tag("v3.0.1")) == ("gopkg.in", "yaml.v3", "v3.0.1")
    with pytest.raises(UsageError, match=r"not golang\.org"):
        layout_of("golang.org/x/net", ("go.googlesource.com",), roots=[sys_root])


@pytest.fixture
def hosts() -> Iterator[FakeOrigin]:
    with FakeOrigin(hosts=HOSTS) as served:
        yield served


@pytest.fixture(autouse=True)
def routed(go: GoRunner, hosts: FakeOrigin) -> None:
    for host in hosts.hosts:
        go.route(host, hosts)


MAIN = """package main

import (
	"fmt"

	"github.com/charm/x/ansi"
	"github.com/charm/x/term"
	"github.com/plain/lib"
	"github.com/plain/lib/v2"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
	"gopkg.in/yaml.v3"
)

func main() { fmt.Println(ansi.A, term.T, lib.L, lib2.L, zap.Z, unix.U, yaml.Y) }
"""


def test_go_fetches_every_real_layout_directly(go: GoRunner, hosts: FakeOrigin) -> None:
    hosts.add_root("golang.org/x/sys", "https://go.googlesource.com/sys")
    hosts.add_root("go.uber.org/zap", "https://github.com/uber-go/zap")
    hosts.add_module(
        "golang.org/x/sys", "v0.30.0", {"unix/unix.go": "package unix\n\nconst U = 1\n"}
    )
    hosts.add_module("go.uber.org/zap", "v1.27.0", {"zap.go": "package zap\n\nconst Z = 2\n"})
    hosts.add_module("gopkg.in/yaml.v3", "v3.0.1", {"yaml.go": "package yaml\n\nconst Y = 3\n"})
    hosts.add_module("github.com/charm/x/ansi", "v0.2.0", {"a.go": "package ansi\n\nconst A = 4\n"})
    hosts.add_module("github.com/charm/x/term", "v0.1.0", {"t.go": "package term\n\nconst T = 5\n"})
    hosts.add_module("github.com/plain/lib", "v1.5.0", {"l.go": "package lib\n\nconst L = 6\n"})
    # an untagged commit on v1 (before v2 puts its go.mod at the root): go names a pseudo-version
    pseudo_commit = hosts.add_commit(
        "github.com/plain/lib", {"l.go": "package lib\n\nconst L = 8\n"}
    )
    hosts.add_module("github.com/plain/lib/v2", "v2.0.0", {"l.go": "package lib2\n\nconst L = 7\n"})
    project = go.project(
        files={"main.go": MAIN},
        requires={
            "github.com/charm/x/ansi": "v0.2.0",
            "github.com/charm/x/term": "v0.1.0",
            "github.com/plain/lib": "v1.5.0",
            "github.com/plain/lib/v2": "v2.0.0",
            "go.uber.org/zap": "v1.27.0",
            "golang.org/x/sys": "v0.30.0",
            "gopkg.in/yaml.v3": "v3.0.1",
        },
    )
    project.tidy(env=DIRECT).assert_ok()
    built = project.run("run", ".", env=DIRECT)
    built.assert_ok()
    assert built.stdout.split() == ["4", "5", "6", "7", "2", "1", "3"]
    # github.com is in cmd/go's static table: go never asks it for a page
    metas = {(r.host, r.path) for r in hosts.requests(OriginRequestKind.META)}
    assert not [m for m in metas if m[0] == "github.com"]
    assert ("golang.org", "/x/sys") in metas  # module mode asks the module path
    assert ("go.uber.org", "/zap") in metas
    fetched = {r.root for r in hosts.requests(OriginRequestKind.UPLOAD_PACK)}
    assert fetched == {
        "github.com/charm/x",
        "github.com/plain/lib",
        "github.com/uber-go/zap",
        "go.googlesource.com/sys",
        "gopkg.in/yaml.v3",
    }
    # an untagged commit is a pseudo-version with its real hash
    got = project.run(
        "mod", "download", "-json", f"github.com/plain/lib@{pseudo_commit}", env=DIRECT
    )
    got.assert_ok()
    version = json.loads(got.stdout)["Version"]
    assert version.startswith("v1.5.1-0.") and version.endswith(pseudo_commit[:12])


def test_the_go_import_tag_that_holds_the_path_is_read_as_cmd_go_reads_it() -> None:
    page = """<html><head>
    <meta name="go-source" content="golang.org/x/sys https://github.com/golang/sys x y">
    <meta name="go-import" content="golang.org/x/sys mod https://proxy.example">
    <META content='golang.org/x/sys git https://go.googlesource.com/sys' name='go-import'>
    <meta name="go-import" content="golang.org/x/sysx git https://elsewhere.example/sysx">
    </head></html>"""
    assert parse_go_import(page, "golang.org/x/sys/unix") == RepoRoot(
        "golang.org/x/sys", "https://go.googlesource.com/sys"
    )
    assert parse_go_import(page, "golang.org/x/net") is None


def test_a_host_that_cannot_be_reached_is_asked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a proxy that refuses (here: nothing listens where HTTPS_PROXY points), the first
    page of a host fails and the host's other modules are not asked: no timeout each."""
    with socket.socket() as sock:  # a loopback port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"HTTPS_PROXY": f"http://127.0.0.1:{port}"}
    clients = []
    real_client = recording._client
    monkeypatch.setattr(recording, "_client", lambda e: clients.append(e) or real_client(e))
    unreachable: set[str] = set()
    assert _ask(env, "corp.example/lib", unreachable) is None
    assert unreachable == {"corp.example"}
    assert _ask(env, "corp.example/other", unreachable) is None
    assert len(clients) == 1  # the second module of the host was not asked
