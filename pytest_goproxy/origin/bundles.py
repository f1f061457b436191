"""The real commits of a module's origin, kept as a git bundle and served as they are.

A rebuilt repository (:mod:`pytest_goproxy.origin.mirror`) cannot have the commit a
pseudo-version names: ``v0.0.0-20240101000000-abcdefabcdef`` is a commit hash and time of the
real repository. ``record --origins`` therefore fetches, from each module's real origin and with
the user's own git settings, the commits the closure names:

* the tags of its tagged versions;
* the commits of its pseudo-versions, kept as branches ``refs/heads/goproxy/<hash>``: go fetches
  a commit it knows by a hash prefix only by fetching every branch and tag (modfetch/codehost
  ``git.go stat``), so the commit must be on one, as it is on a branch of the real repository;
* the tags those pseudo-versions are based on.

The history is fetched whole, not shallow: go checks that a pseudo-version's commit descends
from its base tag (codehost ``DescendsFrom`` runs ``git merge-base --is-ancestor``, and fetches
everything when that fails), which a shallow history cannot answer. The result is one ``git
bundle`` per repository; a replay fetches it into the origin's bare repository, so go sees the
real objects with their real hashes.

git itself does all of it (``ls-remote``, ``fetch``, ``bundle create``); nothing here reads a
pack.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_goproxy.errors import RecordError
from pytest_goproxy.lifecycle import remove_temp_dir, temp_dir
from pytest_goproxy.origin.repos import find_git

__all__ = ["BundleWants", "FetchedBundle", "fetch_bundle"]

#: The branches a bundle keeps a pseudo-version's commit on.
PSEUDO_REF = "refs/heads/goproxy/"
#: How long one git command of a recording may take (a big repository, a slow link).
GIT_TIMEOUT = 1800.0


@dataclass
class BundleWants:
    """What to keep of one repository: tags by name, commits by (full or abbreviated) hash."""

    tags: set[str] = field(default_factory=set)
    commits: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class FetchedBundle:
    """A bundle written: its path, the tags and commits it holds, and what could not be had."""

    path: Path
    tags: tuple[str, ...]
    commits: tuple[str, ...]
    missing: tuple[str, ...]


def _git(
    git: str, args: list[str], env: Mapping[str, str], git_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [git, *([f"--git-dir={git_dir}"] if git_dir is not None else []), *args]
    try:
        return subprocess.run(
            cmd, capture_output=True, text=True, env=dict(env), timeout=GIT_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise RecordError(f"git {' '.join(args[:2])} took over {GIT_TIMEOUT:.0f} s") from None


def fetch_bundle(
    url: str,
    wants: BundleWants,
    dest: Path,
    env: Mapping[str, str] | None = None,
    *,
    base_tags: Iterable[str] = (),
) -> FetchedBundle:
    """Fetch ``wants`` (and ``base_tags`` when the repository has them) from repository
    ``url`` with ``env`` (the user's: their proxy, certificates and credentials) and write them
    to the bundle ``dest``. RecordError when the repository cannot be listed; wants it does not
    have are returned as ``missing``."""
    git = find_git()
    run_env = {**(os.environ if env is None else env), "GIT_TERMINAL_PROMPT": "0"}
    work = temp_dir("goproxy-bundle-")
    try:
        repo = work / "repo.git"
        _git(git, ["init", "-q", "--bare", str(repo)], run_env).check_returncode()
        listed = _git(git, ["ls-remote", url], run_env, repo)
        if listed.returncode != 0:
            raise RecordError(f"git ls-remote {url} failed: {listed.stderr.strip()[-500:]}")
        refs: dict[str, str] = {}
        for line in listed.stdout.splitlines():
            sha, _, ref = line.partition("\t")
            refs[ref.removesuffix("^{}")] = refs.get(ref.removesuffix("^{}"), sha)
        tags = sorted(t for t in wants.tags | set(base_tags) if f"refs/tags/{t}" in refs)
        missing = [f"tag {t}" for t in sorted(wants.tags) if f"refs/tags/{t}" not in refs]
        specs = [f"+refs/tags/{t}:refs/tags/{t}" for t in tags]
        full = sorted(c for c in wants.commits if len(c) == 40)
        specs += [f"+{c}:{PSEUDO_REF}{c}" for c in full]
        short = sorted(c for c in wants.commits if len(c) != 40)
        fetched = (
            _git(git, ["fetch", "-q", "--no-tags", url, *specs], run_env, repo) if specs else None
        )
        if short or (fetched is not None and fetched.returncode != 0):
            # a server that refuses a want by hash, or a hash known by its prefix only: take
            # every branch and tag, then look the commits up
            every = ["+refs/heads/*:refs/goproxy-heads/*", "+refs/tags/*:refs/tags/*"]
            again = _git(git, ["fetch", "-q", "--no-tags", url, *every], run_env, repo)
            if again.returncode != 0:
                raise RecordError(f"git fetch {url} failed: {again.stderr.strip()[-500:]}")
        commits = []
        for rev in sorted(wants.commits):
            found = _git(git, ["rev-parse", "--verify", "-q", f"{rev}^{{commit}}"], run_env, repo)
            sha = found.stdout.strip()
            if found.returncode != 0 or not sha:
                missing.append(f"commit {rev}")
                continue
            _git(git, ["update-ref", f"{PSEUDO_REF}{sha}", sha], run_env, repo).check_returncode()
            commits.append(sha)
        kept = _git(
            git, ["for-each-ref", "--format=%(refname)", "refs/goproxy-heads"], run_env, repo
        )
        for ref in kept.stdout.split():
            _git(git, ["update-ref", "-d", ref], run_env, repo)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not tags and not commits:
            return FetchedBundle(dest, (), (), tuple(missing))
        made = _git(git, ["bundle", "create", str(dest), "--all"], run_env, repo)
        if made.returncode != 0:
            raise RecordError(f"git bundle create for {url} failed: {made.stderr.strip()[-500:]}")
        return FetchedBundle(dest, tuple(tags), tuple(commits), tuple(missing))
    finally:
        remove_temp_dir(work)
