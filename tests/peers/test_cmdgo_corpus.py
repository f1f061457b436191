"""FakeGoProxy against cmd/go's own test proxy, on the Go distribution's corpus, with the real go.

``FakeGoProxy.add_txtar`` says it serves cmd/go's ``testdata/mod`` archives as cmd/go's test
proxy (``src/cmd/go/proxy_test.go``) does. Here both proxies serve the ``testdata/mod`` of the
very Go release under test and the real go downloads **every** version of it through each, so
any difference in what go ends up with is found, whichever side is wrong.

What must agree, per ``path@version`` (the list is proxy_test.go readModList's, see
:func:`peers.cmdgo.corpus_entries`):

* whether go reported an error for it, and the error text once each proxy's URL and module
  cache are replaced by a placeholder;
* ``Version``, ``Sum`` and ``GoModSum`` of ``go mod download -json``, and the ``.info`` go wrote;
* go's exit status over the whole batch;

and per module path, the ``@v/list`` answer (status, and the body of a 200).

Not compared: ``@latest``. proxy_test.go picks "the latest" with
``semver.Compare(latestRelease, m.Version) > 0`` (likewise for pre-releases and pseudo-versions),
which keeps the *lowest* version of each class: a known reversal in cmd/go's test proxy (its
tests never ask for @latest of a module with two releases), where FakeGoProxy answers the
highest, as proxy.golang.org does. ``go mod download path@version`` never asks for @latest.

The assertion message lists every disagreement, one a line: a to-do list.
"""

from __future__ import annotations

from pathlib import Path

from pytest_goproxy import FakeGoProxy
from pytest_goproxy.gorun import GoRunner

from .cmdgo import CmdGoProxy, corpus_entries
from .corpus_compare import compare_downloads, compare_lists, download, fetch_lists


def test_fakegoproxy_serves_cmd_go_corpus_like_cmd_go(
    go: GoRunner, cmd_go_source: Path, cmd_go_reference_proxy: CmdGoProxy
) -> None:
    mod_dir = cmd_go_source / "testdata" / "mod"
    entries = corpus_entries(mod_dir)
    assert entries, f"no module archive in {mod_dir}"
    specs = [e.spec for e in entries]
    paths = sorted({e.path for e in entries})

    with FakeGoProxy() as ours:
        # strict=False: the corpus holds example.com_invalidpath_v1_v1.0.0.txt on purpose, which
        # cmd/go's readModList skips (our strict default names it as an error instead)
        ours.add_txtar(mod_dir, strict=False)
        reference_run = download(go, cmd_go_reference_proxy.url, specs)
        our_run = download(go, ours.url, specs)
        reference_lists = fetch_lists(cmd_go_reference_proxy.url, paths)
        our_lists = fetch_lists(ours.url, paths)

    agree, lines = compare_downloads(reference_run, our_run, specs)
    agree_lists, list_lines = compare_lists(reference_lists, our_lists)
    disagreements = lines + list_lines
    assert not disagreements, (
        f"FakeGoProxy and cmd/go's test proxy ({go.version}, {mod_dir}) disagree: "
        f"{len(agree)} of {len(specs)} versions and {len(agree_lists)} of {len(paths)} "
        f"@v/list answers agree. Every difference:\n" + "\n".join(disagreements)
    )
