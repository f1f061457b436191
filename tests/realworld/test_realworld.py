"""The matrix on a real-shaped project: github.com, golang.org/x, go.uber.org, mvdan.cc, gopkg.in,
several modules in one repository, a /v2 beside its v1, pseudo-versions and go.mod-only lines.

A user records the checked-in project (``project/``) through a public proxy, with the real go,
git and the guard routing the code hosts by name (``conftest.py``). The internet then goes away,
and the matrix replays the snapshot: its origins must answer where go looks (pages on golang.org
naming go.googlesource.com, github.com with no page...), and with the real commits recorded
(``record --origins``) a broken proxy is survived through them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from internet import PROJECT
from upstream import Upstream

from pytest_goproxy.matrix.runner import MatrixProject, MatrixRunner
from pytest_goproxy.network import Toxiproxy
from pytest_goproxy.outage import Cell
from pytest_goproxy.record import RecordResult

pytestmark = pytest.mark.network_faults


@pytest.fixture(scope="module")
def recorded(
    upstream: Upstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, RecordResult]]:
    """Two recordings of the project: with the real commits (``--origins``) and without; then
    the internet is closed, so everything after replays offline."""
    tmp = tmp_path_factory.mktemp("recorded")
    found = {
        "origins": upstream.record(tmp, "with-origins", origins=True),
        "plain": upstream.record(tmp, "plain"),
        "no-pages": upstream.record(tmp, "no-pages", ask_pages=False),
    }
    upstream.origin.close()
    upstream.proxy.close()
    yield found
    shutil.rmtree(tmp, ignore_errors=True)


def test_record_keeps_where_go_finds_each_repository(recorded: dict[str, RecordResult]) -> None:
    result = recorded["origins"]
    manifest = json.loads((result.snapshot / "snapshot.json").read_text())
    repos = {r["root"]: r for r in manifest["repositories"]}
    # pages asked live: golang.org names go.googlesource.com, go.uber.org and mvdan.cc github.com
    assert repos["golang.org/x/sys"]["url"] == "https://go.googlesource.com/sys"
    assert repos["golang.org/x/sys"]["source"] == "go-get"
    assert repos["go.uber.org/zap"]["url"] == "https://github.com/uber-go/zap"
    assert repos["mvdan.cc/sh/v3"]["url"] == "https://github.com/mvdan/sh"
    assert repos["gopkg.in/yaml.v3"]["url"] == "https://gopkg.in/yaml.v3"
    assert repos["gopkg.in/check.v1"]["modules"] == ["gopkg.in/check.v1"]
    # github.com is cmd/go's static table: no page, and one repository holds two modules each
    assert repos["github.com/acme/log"]["static"] is True
    assert repos["github.com/acme/log"]["modules"] == [
        "github.com/acme/log",
        "github.com/acme/log/v2",
    ]
    assert repos["github.com/charm/x"]["modules"] == [
        "github.com/charm/x/ansi",
        "github.com/charm/x/term",
    ]
    assert manifest["hosts"] == {
        "github.com": {"pages": 0, "repositories": 7},
        "go.googlesource.com": {"pages": 0, "repositories": 3},
        "go.uber.org": {"pages": 2, "repositories": 0},
        "golang.org": {"pages": 3, "repositories": 0},
        "gopkg.in": {"pages": 2, "repositories": 2},
        "mvdan.cc": {"pages": 1, "repositories": 0},
    }
    # --origins: one bundle per repository, holding the pseudo-versions' real commits
    bundles = [r for r in manifest["repositories"] if "bundle" in r]
    assert len(bundles) == len(manifest["repositories"]) == 12
    assert all((result.snapshot / r["bundle"]).is_file() for r in bundles)
    assert not [w for w in result.warnings if "could not" in w or "not recorded" in w]
    plain = json.loads((recorded["plain"].snapshot / "snapshot.json").read_text())
    assert not [r for r in plain["repositories"] if "bundle" in r]


def test_without_pages_the_proxys_origin_field_says_where(
    recorded: dict[str, RecordResult],
) -> None:
    result = recorded["no-pages"]
    repos = {r.root: r for r in result.repositories}
    assert (repos["golang.org/x/sys"].url, repos["golang.org/x/sys"].source) == (
        "https://go.googlesource.com/sys",
        "origin",
    )
    assert repos["go.uber.org/zap"].url == "https://github.com/uber-go/zap"
    assert repos["github.com/charm/x"].modules == (
        "github.com/charm/x/ansi",
        "github.com/charm/x/term",
    )


def _cells(
    snapshot: Path, toxiproxy: Toxiproxy, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], Cell]:
    project = MatrixProject(PROJECT.resolve(), snapshot, "")
    with MatrixRunner(project, toxiproxy=toxiproxy, timeout=60) as matrix:
        cells = matrix.run_cells(pairs, jobs=2)
    return {(c.fault, c.config): c for c in cells}


PUBLIC_CONFIGS = ("single", "comma_direct", "pipe_direct", "goprivate", "goprivate_pipe_direct")


def test_the_replayed_matrix_with_the_real_commits(
    recorded: dict[str, RecordResult], toxiproxy: Toxiproxy
) -> None:
    pairs = [("none", c) for c in PUBLIC_CONFIGS]
    pairs += [("refused", "pipe_direct"), ("refused", "comma_direct")]
    cells = _cells(recorded["origins"].snapshot, toxiproxy, pairs)
    for config in PUBLIC_CONFIGS:  # no private modules: the baseline recovers everywhere
        assert cells[("none", config)].verdict == "recovered", cells[("none", config)]
    # `|` falls back on any error: every module from its origin, pseudo-versions included
    assert cells[("refused", "pipe_direct")].verdict == "recovered", cells[
        ("refused", "pipe_direct")
    ]
    # `,` falls back on 404/410 only
    refused = cells[("refused", "comma_direct")]
    assert (refused.verdict, refused.failure) == ("failed", "REFUSED"), refused


def test_without_the_real_commits_a_cell_that_needs_them_is_unavailable(
    recorded: dict[str, RecordResult], toxiproxy: Toxiproxy
) -> None:
    pairs = [("refused", "pipe_direct"), ("refused", "comma_direct"), ("none", "single")]
    cells = _cells(recorded["plain"].snapshot, toxiproxy, pairs)
    for pair in pairs[:1]:
        cell = cells[pair]
        assert cell.verdict == "unavailable", cell
        assert "--origins" in (cell.error or ""), cell
        assert any(
            name in (cell.error or "")
            for name in (
                "github.com/acme/util@v0.3.1-0.",
                "golang.org/x/exp@v0.0.0-",
                "gopkg.in/check.v1@v1.0.0-",
            )
        ), cell
    # a cell whose go never reached the origin keeps what go did
    refused = cells[("refused", "comma_direct")]
    assert (refused.verdict, refused.failure) == ("failed", "REFUSED"), refused
    assert cells[("none", "single")].verdict == "recovered"  # the proxy alone needs no origin
