"""go-internal's goproxytest module formats, served by FakeGoProxy, checked with the real go.

github.com/rogpeppe/go-internal/goproxytest (the proxy testscript users know) reads a module
version from a file ``path_vers.txtar`` or ``path_vers.txt``, or from a **directory**
``path_vers``; ``.info`` and ``.mod`` are optional there: a missing ``.mod`` is the ``go.mod``
member, a missing ``.info`` is written with the Unix epoch as its time. cmd/go's test proxy
(whose rules ``add_txtar`` follows by default) knows only ``.txt`` files and answers 404 for
a missing member, so ``add_txtar(dir, defaults="goproxytest")`` asks for goproxytest's rules.

``tests/data/goproxytest`` holds archives written for these tests in that layout (none is
copied from go-internal): ``fruit.com`` v1.0.0 as a ``.txtar`` and v1.1.0 as a directory,
a version with neither ``.info`` nor ``.mod``, and a ``.txt`` archive of a path with
upper-case letters.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_goproxy import FakeGoProxy
from pytest_goproxy.gorun import GoRunner

DATA = Path(__file__).resolve().parent.parent / "data" / "goproxytest"

#: Every version in DATA, with the go.mod each serves.
VERSIONS = {
    "fruit.com@v1.0.0": "module fruit.com\n\ngo 1.21\n",
    "fruit.com@v1.1.0": "module fruit.com\n\ngo 1.21\n",
    "example.com/noinfo@v0.1.0": "module example.com/noinfo\n\ngo 1.21\n",
    "example.com/MixedCase@v1.0.0": "module example.com/MixedCase\n\ngo 1.21\n",
}
#: What go-internal's own testdata/list.txt expects of ``go list -m -versions fruit.com``.
FRUIT_VERSIONS = "fruit.com v1.0.0 v1.1.0"
#: goproxytest's time for a version without ``.info`` (proxy.go addDefaultFiles).
EPOCH = "1970-01-01T00:00:00Z"

ENV = {"GOSUMDB": "off", "GOFLAGS": "-modcacherw"}


@pytest.fixture
def proxy(goproxy: FakeGoProxy) -> FakeGoProxy:
    goproxy.add_txtar(DATA, defaults="goproxytest")
    return goproxy


def _download(go: GoRunner, proxy: FakeGoProxy, *specs: str) -> dict[str, dict[str, str]]:
    result = go.run(["mod", "download", "-json", *specs], env={**ENV, "GOPROXY": proxy.url})
    result.assert_ok()
    decoder = json.JSONDecoder()
    text, pos, found = result.stdout, 0, {}
    while text[pos:].strip():
        while text[pos].isspace():
            pos += 1
        obj, pos = decoder.raw_decode(text, pos)
        found[f"{obj['Path']}@{obj['Version']}"] = obj
    return found


def test_every_goproxytest_module_downloads(go: GoRunner, proxy: FakeGoProxy) -> None:
    """Each layout (``.txtar``, ``.txt``, directory, no ``.info``/``.mod``) gives go a module
    it accepts, with the go.mod it holds."""
    downloaded = _download(go, proxy, *VERSIONS)
    assert sorted(downloaded) == sorted(VERSIONS)
    for spec, go_mod in VERSIONS.items():
        module = downloaded[spec]
        assert "Error" not in module, f"{spec}: {module['Error']}"
        assert module["Sum"].startswith("h1:"), spec
        assert Path(module["GoMod"]).read_text() == go_mod, spec


def test_go_list_versions_of_fruit(go: GoRunner, proxy: FakeGoProxy) -> None:
    """go-internal's list.txt: ``go list -m -versions fruit.com`` lists the .txtar version and
    the directory one."""
    project = go.project("example.test/mod", files={})
    result = go.run(
        ["list", "-m", "-versions", "fruit.com"],
        cwd=project.path,
        env={**ENV, "GOPROXY": proxy.url},
    ).assert_ok()
    assert result.stdout.strip() == FRUIT_VERSIONS


def test_version_without_info_has_the_epoch_time(go: GoRunner, proxy: FakeGoProxy) -> None:
    """The ``.info`` goproxytest writes for an archive without one carries the Unix epoch, and
    go takes that time for the version."""
    info = Path(
        _download(go, proxy, "example.com/noinfo@v0.1.0")["example.com/noinfo@v0.1.0"]["Info"]
    )
    assert json.loads(info.read_text()) == {"Version": "v0.1.0", "Time": EPOCH}
