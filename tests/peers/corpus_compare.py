"""What the real go gets from two proxies serving one corpus, and where the answers differ.

Shared by ``test_cmdgo_corpus.py`` (which asserts there is no difference) and
``benchmarks/bench_cmdgo_corpus.py`` (which reports the agreement count next to its timings), so
both count agreement the same way.

One ``go mod download -json path@version ...`` per proxy downloads the whole corpus: go reports
a module it could not get in that module's JSON ``Error`` field and carries on with the others,
so one invocation answers for every version (seconds, where one run per version would take
minutes).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from pytest_goproxy.gomod.escape import escape_path
from pytest_goproxy.gorun import GoResult, GoRunner

__all__ = [
    "Download",
    "DownloadRun",
    "ListAnswer",
    "compare_downloads",
    "compare_lists",
    "download",
    "fetch_lists",
]

#: What a proxy's own URL becomes in go's error messages, so two proxies' texts compare.
PROXY_PLACEHOLDER = "$GOPROXY"
MODCACHE_PLACEHOLDER = "$GOMODCACHE"
#: Fields of go's ModuleJSON compared as they are (cmd/go/internal/modcmd/download.go).
FIELDS = ("Version", "Sum", "GoModSum")


@dataclass(frozen=True)
class Download:
    """One module of ``go mod download -json``: what go reported, normalised to compare."""

    spec: str
    error: str | None
    fields: dict[str, str | None]
    info: str | None
    """The ``.info`` go wrote to its cache (go re-encodes it; the ``Time`` is what matters)."""


@dataclass(frozen=True)
class DownloadRun:
    """One ``go mod download -json`` over a whole corpus."""

    result: GoResult
    modules: dict[str, Download]


def _json_stream(text: str) -> list[dict[str, object]]:
    """go prints one indented JSON object per module, one after the other (not a list)."""
    decoder = json.JSONDecoder()
    objects: list[dict[str, object]] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return objects
        obj, pos = decoder.raw_decode(text, pos)
        if isinstance(obj, dict):
            objects.append(obj)


def _normalise(text: str, proxy_url: str, modcache: str) -> str:
    return text.replace(proxy_url, PROXY_PLACEHOLDER).replace(modcache, MODCACHE_PLACEHOLDER)


def _read(path: object) -> str | None:
    if not isinstance(path, str) or not path:
        return None
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return None


def download(
    runner: GoRunner, proxy_url: str, specs: Sequence[str], *, timeout: float = 600.0
) -> DownloadRun:
    """``go mod download -json SPECS...`` through ``proxy_url`` into a fresh module cache.

    GOSUMDB is off (the corpus's hashes are in no checksum database) and GOPROXY is the proxy
    alone (no ``direct``), so every answer is the proxy's. The proxy's URL and the module
    cache's path are replaced by placeholders in error texts. A run whose output is not JSON
    (go refused the command line as a whole) raises AssertionError with go's output.
    """
    result = runner.run(
        ["mod", "download", "-json", *specs],
        env={"GOPROXY": proxy_url, "GOSUMDB": "off", "GOFLAGS": "-modcacherw"},
        timeout=timeout,
    )
    modcache = result.env.get("GOMODCACHE", "\0")
    try:
        objects = _json_stream(result.stdout)
    except ValueError as exc:
        raise AssertionError(
            f"go mod download printed no JSON stream ({exc}):\n{result.describe()}"
        ) from None
    if result.hung or (not objects and specs):
        raise AssertionError(f"go mod download answered for no module:\n{result.describe()}")
    modules: dict[str, Download] = {}
    for obj in objects:
        # go names the module by the query it was given ("Query") when it resolved it to
        # another version (rsc.io/quote@v2.0.0 -> a pseudo-version, v2.0.0 -> +incompatible).
        spec = f"{obj.get('Path')}@{obj.get('Query') or obj.get('Version')}"
        error = obj.get("Error")
        modules[spec] = Download(
            spec=spec,
            error=_normalise(str(error), proxy_url, modcache) if error else None,
            fields={f: (str(obj[f]) if obj.get(f) else None) for f in FIELDS},
            info=_read(obj.get("Info")),
        )
    return DownloadRun(result, modules)


def _short(value: str | None, limit: int = 300) -> str:
    if value is None:
        return "(none)"
    text = value.strip()
    return repr(text if len(text) <= limit else text[:limit] + "...")


def compare_downloads(
    reference: DownloadRun, ours: DownloadRun, specs: Iterable[str]
) -> tuple[list[str], list[str]]:
    """``(agreeing specs, disagreement lines)``: one line per spec and field that differs,
    ``path@version: what: cmd/go ... | FakeGoProxy ...``, and one for go's exit status."""
    specs = list(specs)
    agree: list[str] = []
    lines: list[str] = []
    if reference.result.returncode != ours.result.returncode:
        lines.append(
            f"go mod download exit status: cmd/go {reference.result.returncode} | "
            f"FakeGoProxy {ours.result.returncode}"
        )
    for spec in specs:
        a, b = reference.modules.get(spec), ours.modules.get(spec)
        diffs: list[str] = []
        if a is None or b is None:
            if a is not b:
                diffs.append(
                    f"{spec}: go reported it for "
                    f"{'FakeGoProxy only' if a is None else 'cmd/go only'}"
                )
            else:
                diffs.append(f"{spec}: go reported nothing for it through either proxy")
        else:
            if (a.error is None) != (b.error is None):
                diffs.append(
                    f"{spec}: error only with {'cmd/go' if b.error is None else 'FakeGoProxy'}: "
                    f"cmd/go {_short(a.error)} | FakeGoProxy {_short(b.error)}"
                )
            elif a.error != b.error:
                diffs.append(
                    f"{spec}: error text: cmd/go {_short(a.error)} | FakeGoProxy {_short(b.error)}"
                )
            for name in FIELDS:
                if a.fields[name] != b.fields[name]:
                    diffs.append(
                        f"{spec}: {name}: cmd/go {_short(a.fields[name])} | "
                        f"FakeGoProxy {_short(b.fields[name])}"
                    )
            if a.error is None and b.error is None and a.info != b.info:
                diffs.append(
                    f"{spec}: .info: cmd/go {_short(a.info)} | FakeGoProxy {_short(b.info)}"
                )
        if diffs:
            lines.extend(diffs)
        else:
            agree.append(spec)
    extra = sorted((set(reference.modules) | set(ours.modules)) - set(specs))
    lines.extend(f"{spec}: go reported a module nobody asked for" for spec in extra)
    return agree, lines


@dataclass(frozen=True)
class ListAnswer:
    """A proxy's answer to ``<module>/@v/list``."""

    status: int
    body: str


def fetch_lists(base_url: str, paths: Iterable[str]) -> dict[str, ListAnswer]:
    """``GET <base_url>/<escaped path>/@v/list`` for each path (no proxy from the
    environment: both servers are on loopback)."""
    answers: dict[str, ListAnswer] = {}
    with httpx.Client(timeout=30.0, trust_env=False) as http:
        for path in paths:
            response = http.get(f"{base_url}/{escape_path(path)}/@v/list")
            answers[path] = ListAnswer(response.status_code, response.text)
    return answers


def _versions(body: str) -> list[str]:
    """The list as go reads it (modfetch/proxy.go Versions): the first field of each line,
    sorted by go afterwards, so the order of the lines is no difference to go."""
    return sorted(line.split()[0] for line in body.splitlines() if line.split())


def compare_lists(
    reference: dict[str, ListAnswer], ours: dict[str, ListAnswer]
) -> tuple[list[str], list[str]]:
    """``(agreeing paths, disagreement lines)``: the status must match and, for a 200, the
    versions listed (in any order: go sorts them). A 404's body is free text that go only
    quotes in its error messages, and those are compared by :func:`compare_downloads`."""
    agree: list[str] = []
    lines: list[str] = []
    for path in sorted(reference):
        a, b = reference[path], ours[path]
        if a.status != b.status:
            lines.append(
                f"{path}/@v/list: status: cmd/go {a.status} {_short(a.body)} | "
                f"FakeGoProxy {b.status} {_short(b.body)}"
            )
        elif a.status == 200 and _versions(a.body) != _versions(b.body):
            only_a = sorted(set(_versions(a.body)) - set(_versions(b.body)))
            only_b = sorted(set(_versions(b.body)) - set(_versions(a.body)))
            lines.append(
                f"{path}/@v/list: versions only cmd/go lists {only_a}, "
                f"only FakeGoProxy lists {only_b} (bodies: cmd/go {_short(a.body)} | "
                f"FakeGoProxy {_short(b.body)})"
            )
        else:
            agree.append(path)
    return agree, lines
