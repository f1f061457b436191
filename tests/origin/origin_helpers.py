"""Helpers of the origin tests: the real git as a hermetic client."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pytest_goproxy.origin import FakeOrigin
from pytest_goproxy.origin.repos import git_env
from pytest_goproxy.serving.tls import session_ca


class Git:
    """The real git as a client, hermetic (fresh HOME, no system or global config), trusting
    the session CA alone."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.env = {**git_env(home), "GIT_SSL_CAINFO": str(session_ca().bundle())}

    def __call__(self, *args: str, cwd: Path | None = None, check: bool = True) -> str:
        done = subprocess.run(
            ["git", *args],
            env=self.env,
            cwd=cwd or self.home,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
        return done.stdout + done.stderr * (not check)

    def ls_remote(self, url: str, *options: str) -> dict[str, str]:
        """ref -> hash, as ``git ls-remote`` lists them."""
        out = self("ls-remote", *options, url)
        return {ref: sha for sha, ref in (line.split("\t") for line in out.splitlines())}

    def by_name(self, origin: FakeOrigin, host: str) -> tuple[str, str]:
        """``-c`` option and base URL that reach ``host`` by name at the origin's port (curl's
        resolve list: no DNS), so TLS checks the certificate against the name."""
        return (
            f"http.curloptResolve={host}:{origin.port}:127.0.0.1",
            f"https://{host}:{origin.port}",
        )


def credential_env(user: str, password: str) -> dict[str, str]:
    """git configuration in the environment (``GIT_CONFIG_COUNT``, git 2.31+) giving a
    credential helper that answers ``user``/``password`` to any HTTP 401: what a developer's
    ``~/.gitconfig`` or a CI's credential setup gives git under go."""
    helper = f"!f() {{ echo username={user}; echo password={password}; }}; f"
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "credential.helper",
        "GIT_CONFIG_VALUE_0": helper,
    }
