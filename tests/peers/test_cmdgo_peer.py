"""The cmd/go reference proxy itself: it builds, serves the corpus to the real go, lists the
versions readModList lists, and leaves no process behind.

These hold on their own, whatever FakeGoProxy does; test_cmdgo_corpus.py then compares the two.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pytest_goproxy.gorun import GoRunner

from .cmdgo import CmdGoProxy, cmd_go_proxy, corpus_entries
from .corpus_compare import download

#: readModList's one quiet skip (proxy_test.go): the corpus holds this invalid path on purpose.
QUIET_SKIP = "example.com/invalidpath/v1"


def test_reference_proxy_serves_a_corpus_module_to_go(
    go: GoRunner, cmd_go_reference_proxy: CmdGoProxy
) -> None:
    run = download(go, cmd_go_reference_proxy.url, ["rsc.io/quote@v1.5.2"])
    run.result.assert_ok()
    module = run.modules["rsc.io/quote@v1.5.2"]
    assert module.error is None
    assert (module.fields["Sum"] or "").startswith("h1:")


def test_corpus_entries_are_the_versions_read_mod_list_keeps(
    cmd_go_test_binary: Path, cmd_go_source: Path
) -> None:
    """:func:`corpus_entries` leaves out exactly the files readModList skips. Under
    ``-test.v`` readModList logs one line per skipped file (all but the deliberate invalid
    path) before the proxy listens, so the log is complete once the proxy answers: as many
    lines as files we leave out means neither side keeps a file the other skips."""
    mod_dir = cmd_go_source / "testdata" / "mod"
    kept = {e.file.name for e in corpus_entries(mod_dir)}
    left_out = sorted(
        p.name for p in mod_dir.glob("*.txt") if p.name not in kept and "_v" in p.name
    )
    expected = [n for n in left_out if not n.startswith(QUIET_SKIP.replace("/", "_") + "_v")]
    with cmd_go_proxy(cmd_go_test_binary, cmd_go_source, verbose=True) as proxy:
        logged = re.findall(r"go proxy_test: (.*)", proxy.log_text())
    assert len(logged) == len(expected), (
        f"corpus_entries leaves out {left_out}; cmd/go's proxy logged these skips: {logged}"
    )


def test_reference_proxy_process_group_ends_with_the_block(
    cmd_go_test_binary: Path, cmd_go_source: Path
) -> None:
    with cmd_go_proxy(cmd_go_test_binary, cmd_go_source) as proxy:
        os.killpg(proxy.pid, 0)  # running: no error
    with pytest.raises(ProcessLookupError):
        os.killpg(proxy.pid, 0)
