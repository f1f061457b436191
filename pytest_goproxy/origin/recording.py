"""What ``record`` keeps of the modules' origins: where each repository is, which hosts a direct
build needs, and (``--origins``) the real commits.

Where go finds a repository is asked the way go asks it: the live ``?go-get=1`` page of every
module whose path is not in cmd/go's static host table (through the user's own proxy settings,
with their certificates), else the ``Origin`` a proxy wrote into the module's ``.info``, else
cmd/go's rules (:mod:`pytest_goproxy.origin.layout`). The answers go into the snapshot's
manifest (:class:`~pytest_goproxy.gomod.snapshot.RecordedRepository`), so a replay lays its
origin out from what was true on the day of the recording, with no network.
"""

from __future__ import annotations

import html
import os
import re
import ssl
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from pytest_goproxy.errors import RecordError
from pytest_goproxy.gomod.semver import is_pseudo_version, pseudo_version_base, pseudo_version_rev
from pytest_goproxy.gomod.snapshot import RecordedRepository
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.origin.bundles import BundleWants, fetch_bundle
from pytest_goproxy.origin.layout import (
    RepoRoot,
    code_dir,
    has_path_prefix,
    repo_root,
    static_root,
)
from pytest_goproxy.origin.mirror import roots_of

__all__ = ["find_repositories", "host_counts", "parse_go_import", "record_bundles"]

#: How long one ``?go-get=1`` page may take while recording.
PAGE_TIMEOUT = 15.0
_META = re.compile(r"<meta\s+([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""(\w[\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def parse_go_import(page: str, import_path: str) -> RepoRoot | None:
    """The go-import meta tag of ``page`` whose prefix holds ``import_path`` (cmd/go/internal/vcs
    ``parseMetaGoImports``: ``<meta name="go-import" content="<prefix> <vcs> <url>">``; the
    ``mod`` VCS, a module proxy, is not a repository and is skipped)."""
    best: RepoRoot | None = None
    for tag in _META.finditer(page):
        attrs = {
            m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or "")
            for m in _ATTR.finditer(tag.group(1))
        }
        if attrs.get("name") != "go-import":
            continue
        fields = attrs.get("content", "").split()
        if len(fields) not in (3, 4) or fields[1] == "mod":
            continue
        prefix, vcs, url = fields[:3]
        if has_path_prefix(import_path, prefix) and (best is None or len(prefix) > len(best.root)):
            best = RepoRoot(prefix, url, False, vcs)
    return best


def _client(env: Mapping[str, str]) -> httpx.Client:
    """An HTTP client as go's would be with ``env``: its HTTPS proxy (NO_PROXY honoured per
    request by :func:`_ask`) and its certificate file, else the system's."""
    context = ssl.create_default_context()
    cert_file = env.get("SSL_CERT_FILE")
    if cert_file and Path(cert_file).is_file():
        context = ssl.create_default_context(cafile=cert_file)
    proxy = env.get("HTTPS_PROXY") or env.get("https_proxy") or None
    mounts = {"all://": httpx.HTTPTransport(verify=context, proxy=proxy)} if proxy else None
    return httpx.Client(
        verify=context, trust_env=False, timeout=PAGE_TIMEOUT, mounts=mounts, follow_redirects=True
    )


def _bypass(host: str, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` sends ``host`` around the proxy, as Go's ``httpproxy`` reads the
    list: ``*``, a name and its subdomains, ``.name`` for subdomains only."""
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        name = entry.split(":", 1)[0] if entry.count(":") == 1 else entry
        if entry == "*" or (
            name and (host == name.lstrip(".") or host.endswith("." + name.lstrip(".")))
        ):
            return True
    return False


def _ask(env: Mapping[str, str], path: str, unreachable: set[str]) -> RepoRoot | None:
    """The live page of ``path``, None when it cannot be had or names no repository. A host
    that could not be reached once is not asked again (``unreachable``): behind a firewall that
    drops it, every module of that host would cost the whole timeout."""
    host = path.split("/", 1)[0]
    if host in unreachable:
        return None
    no_proxy = env.get("NO_PROXY") or env.get("no_proxy") or ""
    direct = bool(no_proxy) and _bypass(host, no_proxy)
    try:
        with _client(
            {k: v for k, v in env.items() if not (direct and "proxy" in k.lower())}
        ) as client:
            answer = client.get(f"https://{path}", params={"go-get": "1"})
    except (httpx.TransportError, OSError):
        unreachable.add(host)
        return None
    except (httpx.HTTPError, ValueError):
        return None
    if answer.status_code != 200:
        return None
    return parse_go_import(answer.text, path)


def find_repositories(
    store: ModuleStore, env: Mapping[str, str] | None = None, *, ask_pages: bool = True
) -> list[RecordedRepository]:
    """Where go finds each module of ``store`` when it fetches directly (see the module
    docstring), one entry per repository root, sorted."""
    run_env = dict(os.environ if env is None else env)
    modules = store.modules()
    dynamic = [m for m in modules if static_root(m) is None]
    pages: dict[str, RepoRoot | None] = {}
    if ask_pages and dynamic:
        unreachable: set[str] = set()
        with ThreadPoolExecutor(max_workers=8) as pool:
            found = pool.map(lambda m: _ask(run_env, m, unreachable), dynamic)
            pages = dict(zip(dynamic, found, strict=True))
    asked = [r for r in pages.values() if r is not None]
    from_info = roots_of(store)
    entries: dict[str, tuple[RepoRoot, str, list[str]]] = {}
    for module in modules:
        page = pages.get(module)
        if page is not None:
            root, source = page, "go-get"
        else:
            known = repo_root(module, asked)
            if known in asked:
                root, source = known, "go-get"
            elif from_info[module] != repo_root(module):
                root, source = from_info[module], "origin"
            else:
                root, source = from_info[module], "rule"
        entry = entries.setdefault(root.root, (root, source, []))
        entry[2].append(module)
    return [
        RecordedRepository(root.root, root.url, root.vcs, root.static, source, tuple(sorted(paths)))
        for root, source, paths in (entries[k] for k in sorted(entries))
    ]


def host_counts(repositories: Iterable[RecordedRepository]) -> dict[str, dict[str, int]]:
    """Host -> how many ``?go-get=1`` pages (roots) and repositories a direct build reaches
    there: the hosts a build depends on once the proxy is gone."""
    counts: dict[str, dict[str, int]] = {}
    urls: set[str] = set()
    for repo in repositories:
        root = RepoRoot(repo.root, repo.url, repo.static, repo.vcs)
        if not repo.static:
            counts.setdefault(root.meta_host, {"pages": 0, "repositories": 0})["pages"] += 1
        if repo.url not in urls:
            urls.add(repo.url)
            counts.setdefault(root.host, {"pages": 0, "repositories": 0})["repositories"] += 1
    return dict(sorted(counts.items()))


def _wants(store: ModuleStore, repo: RecordedRepository) -> tuple[BundleWants, set[str]]:
    """The tags and commits of ``repo`` the closure names, and the base tags of its
    pseudo-versions (go checks that such a commit descends from its base tag)."""
    wants = BundleWants()
    bases: set[str] = set()
    for module in repo.modules:
        directory = code_dir(module, repo.root)
        prefix = f"{directory}/" if directory else ""
        for version in store.versions(module):
            if not is_pseudo_version(version):
                wants.tags.add(prefix + version.removesuffix("+incompatible"))
                continue
            mv = store.get(module, version)
            origin = mv.origin if mv is not None else {}
            full = origin.get("Hash")
            wants.commits.add(
                full if isinstance(full, str) and len(full) == 40 else pseudo_version_rev(version)
            )
            base = pseudo_version_base(version.removesuffix("+incompatible"))
            if base:
                bases.add(prefix + base)
    return wants, bases


def record_bundles(
    store: ModuleStore,
    repositories: Iterable[RecordedRepository],
    out: Path,
    env: Mapping[str, str] | None = None,
) -> tuple[list[RecordedRepository], list[str]]:
    """Fetch the commits each git repository's modules name into ``out/origins/<host>/<repo>
    .bundle`` (see :mod:`pytest_goproxy.origin.bundles`); the repositories with their bundles,
    and a warning for each repository or commit that could not be had."""
    kept: list[RecordedRepository] = []
    warnings: list[str] = []
    for repo in repositories:
        if repo.vcs != "git":
            warnings.append(f"{repo.url}: a {repo.vcs} repository; only git is recorded")
            kept.append(repo)
            continue
        root = RepoRoot(repo.root, repo.url, repo.static, repo.vcs)
        wants, bases = _wants(store, repo)
        dest = out / "origins" / root.host / f"{root.repo}.bundle"
        try:
            fetched = fetch_bundle(repo.url, wants, dest, env, base_tags=bases)
        except RecordError as exc:
            warnings.append(f"the commits of {repo.url} were not recorded: {exc}")
            kept.append(repo)
            continue
        warnings.extend(f"{repo.url}: {what} could not be fetched" for what in fetched.missing)
        bundle = dest if dest.is_file() else None
        kept.append(
            RecordedRepository(
                repo.root, repo.url, repo.vcs, repo.static, repo.source, repo.modules, bundle
            )
        )
    return kept, warnings
