"""Rewrite go.mod and go.sum of the example app by running the real ``go mod tidy``.

The modules the app needs ship as txtar files in ``modules/``; this serves them with
FakeGoProxy, verifies them against a fake checksum database, runs ``go mod tidy`` on a copy of
the app and writes the resulting go.mod and go.sum back here. Run it after changing a module or
an import::

    python examples/app/regenerate.py

Hashes are those of the zips FakeGoProxy builds, which match what ``go mod download`` computes
(tests/proxy checks that), so the committed go.sum is exactly what go would write.
"""

from __future__ import annotations

from pathlib import Path

from pytest_goproxy import ChecksumDB, FakeGoProxy, GoRunner

APP = Path(__file__).resolve().parent


def main() -> None:
    with FakeGoProxy() as proxy, ChecksumDB() as sumdb, GoRunner() as go:
        proxy.add_txtar(APP / "modules")
        sumdb.attach(proxy)
        project = go.project_from_dir(APP, modcache=go.warm_cache())
        project.tidy(env={"GOPROXY": proxy.url, **sumdb.env}).assert_ok()
        # the program must build from what tidy fetched, with no proxy at all
        project.build(env={"GOPROXY": "off", **sumdb.env}).assert_ok()
        for name in ("go.mod", "go.sum"):
            (APP / name).write_text(project.read(name), encoding="utf-8", newline="\n")
            print(f"wrote {APP / name}")


if __name__ == "__main__":
    main()
