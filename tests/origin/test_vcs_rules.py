"""Go's own VCS rules against FakeOrigin, with the real go and the real git.

``GOVCS``, ``GIT_TERMINAL_PROMPT``, ``GOINSECURE`` and ``GOPRIVATE`` globs decide whether and how
go reaches a module's origin; then the origin in go's everyday commands: ``go get @main``,
``go get -u``, a proxy module requiring an origin module, an origin that is down while the proxy
is fine. Each test asserts go's own words and what the origin's and the proxy's request logs
say was fetched from where. (A direct fetch of a host nobody serves is test_fixture.py's.)
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from origin_helpers import credential_env

from pytest_goproxy import Failure, FakeGoProxy, FakeOrigin, GoRunner
from pytest_goproxy.errors import UsageError
from pytest_goproxy.gomod.patterns import match_prefix_patterns
from pytest_goproxy.gorun import GoProject, GoResult, TLSProblem
from pytest_goproxy.origin.repos import git_env
from pytest_goproxy.serving.tls import session_ca

#: go fetches corp.example itself: not from a proxy, with no checksum database
PRIVATE = {"GOPROXY": "direct", "GOPRIVATE": "corp.example", "GOSUMDB": "off"}
#: the same without GOPRIVATE: corp.example is then a *public* path to GOVCS
PUBLIC_DIRECT = {"GOPROXY": "direct", "GOSUMDB": "off"}
LIB = {"lib.go": "package lib\n\nfunc Answer() int { return 42 }\n"}
IMPORTS_LIB = {"main.go": 'package main\n\nimport _ "corp.example/lib"\n\nfunc main() {}\n'}
#: git's words for a repository that asks for credentials it cannot be given (git 2.3+)
NO_PROMPT = "fatal: could not read Username for 'https://corp.example': terminal prompts disabled"
#: what go adds to every git failure of a custom import path (modfetch/codehost)
GO_FAQ_HINT = (
    "If this is a private repository, see https://golang.org/doc/faq#git_https for "
    "additional information."
)


@pytest.fixture(scope="session")
def goorigin_hosts() -> tuple[str, ...]:
    """Two names, so GOPRIVATE globs can tell ``corp.example`` from ``*.corp.example``."""
    return ("corp.example", "git.corp.example")


def download(
    go: GoRunner,
    env: Mapping[str, str | None],
    *queries: str,
    routes: Mapping[str, object] | None = None,
) -> GoResult:
    """``go mod download -json <queries>``."""
    return go.run(["mod", "download", "-json", *queries], env=dict(env), routes=routes)


def infos(result: GoResult) -> dict[str, dict[str, Any]]:
    """module path -> the JSON object ``go mod download -json`` printed for it (objects follow
    each other with no separator)."""
    decoder = json.JSONDecoder()
    found: dict[str, dict[str, Any]] = {}
    text, at = result.stdout, 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        info, at = decoder.raw_decode(text, at)
        found[info["Path"]] = info
    return found


def error_of(result: GoResult, path: str = "corp.example/lib") -> str:
    """The ``Error`` go reported for module ``path`` (``go mod download -json`` prints it)."""
    assert result.returncode == 1, result.describe()
    error: str = infos(result)[path]["Error"]
    return error


def log(origin: FakeOrigin, since: int = 0) -> list[tuple[str, int]]:
    """(kind, status) of each request the origin answered, oldest first, from ``since`` on."""
    return [(r.kind.value, r.status) for r in origin.request_log.snapshot()[since:]]


# -- GOVCS ---------------------------------------------------------------------------------------

GOVCS_CASES = {
    # GOVCS value, env, allowed: the user's value comes before go's defaults (and the hermetic
    # public:git,private:git) and its first matching pattern decides (vcs.go checkGOVCS)
    "host-off": ("corp.example:off", PRIVATE, False),
    "private-off": ("private:off", PRIVATE, False),
    "host-hg-only": ("corp.example:hg", PRIVATE, False),
    "host-git": ("corp.example:git", PRIVATE, True),
    "public-off-private-path": ("public:off", PRIVATE, True),
    # "private" is what GOPRIVATE matches, not what no proxy knows: without it corp.example is
    # public, so private:off does not stop it and public:off does
    "private-off-public-path": ("private:off", PUBLIC_DIRECT, True),
    "public-off-public-path": ("public:off", PUBLIC_DIRECT, False),
    "glob-off": ("*.example:off", PRIVATE, False),
}


@pytest.mark.parametrize("case", list(GOVCS_CASES))
def test_govcs_decides_whether_go_may_run_git_for_the_origin(
    goorigin: FakeOrigin, go: GoRunner, case: str
) -> None:
    govcs, env, allowed = GOVCS_CASES[case]
    goorigin.add_module("corp.example/lib", "v1.0.0", LIB)
    result = download(go, {**env, "GOVCS": govcs}, "corp.example/lib@v1.0.0")
    assert not result.escapes
    if allowed:
        result.assert_ok()
        assert infos(result)["corp.example/lib"]["Origin"]["VCS"] == "git"
        assert ("upload_pack", 200) in log(goorigin)
        return
    which = "private" if "GOPRIVATE" in env else "public"
    assert error_of(result) == (
        'corp.example/lib@v1.0.0: unrecognized import path "corp.example/lib": GOVCS '
        f"disallows using git for {which} corp.example/lib; see 'go help vcs'"
    )
    # a local rule, no network: POLICY (was UNKNOWN)
    assert (result.failure, result.host, result.url) == (Failure.POLICY, "corp.example", None)
    # go read the meta tag (GOVCS is checked on the VCS it names), then ran no git at all
    assert log(goorigin) == [("meta", 200)]


def test_a_projects_govcs_wins_over_the_hermetic_default(
    goorigin: FakeOrigin, go: GoRunner
) -> None:
    """The runner's GOVCS=public:git,private:git lets git run; a project's own GOVCS replaces it
    (and go's text under ``go mod tidy`` names the importing package)."""
    goorigin.add_module("corp.example/lib", "v1.0.0", LIB)
    project = go.project(requires={"corp.example/lib": "v1.0.0"}, env=PRIVATE)
    project.tidy().assert_ok()  # the default allows git
    refused = project.tidy(env={"GOVCS": "private:off"})
    assert refused.returncode == 1
    assert refused.env["GOVCS"] == "private:off"
    assert (
        "go: example.test/app imports\n\tcorp.example/lib: unrecognized import path "
        '"corp.example/lib": GOVCS disallows using git for private corp.example/lib; '
        "see 'go help vcs'\n"
    ) in refused.stderr
    refused.assert_failure(Failure.POLICY)


# -- GIT_TERMINAL_PROMPT and a repository that asks for credentials ------------------------------


@pytest.fixture
def private_origin(go: GoRunner) -> Iterator[FakeOrigin]:
    """An origin whose repositories need ``alice``/``s3cret`` (its meta tags stay public)."""
    with FakeOrigin(auth=("alice", "s3cret")) as origin:
        origin.add_module("corp.example/lib", "v1.0.0", LIB)
        go.route("corp.example", origin)
        try:
            yield origin
        finally:
            go.unroute("corp.example")


@pytest.mark.parametrize("prompt", ["0", None], ids=["hermetic-0", "unset-go-sets-0"])
def test_a_repository_asking_for_credentials_fails_at_once_without_a_prompt(
    private_origin: FakeOrigin, go: GoRunner, prompt: str | None
) -> None:
    """git meets the 401 and may not prompt: the runner sets GIT_TERMINAL_PROMPT=0, and go sets
    it itself when it is unset (modload/init.go), so both fail on git's first answer."""
    result = download(go, {**PRIVATE, "GIT_TERMINAL_PROMPT": prompt}, "corp.example/lib@v1.0.0")
    error = error_of(result)
    assert re.fullmatch(
        r"corp\.example/lib@v1\.0\.0: invalid version: git ls-remote -q --end-of-options "
        r"https://corp\.example/lib in \S+: exit status 128:\n\t"
        + re.escape(NO_PROMPT)
        + r"\nConfirm the import path was entered correctly\.\n"
        + re.escape(GO_FAQ_HINT),
        error,
    ), error
    assert not result.hung
    assert log(private_origin) == [("meta", 200), ("info_refs", 401)]
    assert [r.status for r in result.routed] == [None, None]  # both reached the origin
    # AUTH with git's line and URL, not go's FAQ hint (was UNKNOWN)
    result.assert_failure(Failure.AUTH)
    assert (result.host, result.url) == ("corp.example", "https://corp.example")
    assert result.classification is not None and result.classification.line == NO_PROMPT


def test_git_terminal_prompt_1_tries_the_terminal_the_run_does_not_have(
    private_origin: FakeOrigin, go: GoRunner
) -> None:
    """With GIT_TERMINAL_PROMPT=1 go leaves it alone and git opens /dev/tty; a go run has no
    controlling terminal (a session of its own), so git fails there instead of waiting."""
    result = download(go, {**PRIVATE, "GIT_TERMINAL_PROMPT": "1"}, "corp.example/lib@v1.0.0")
    error = error_of(result)
    assert "fatal: could not read Username for 'https://corp.example': " in error
    assert "terminal prompts disabled" not in error
    assert not result.hung
    assert log(private_origin) == [("meta", 200), ("info_refs", 401)]
    result.assert_failure(Failure.AUTH)  # ... 'https://corp.example': No such device or address
    assert result.host == "corp.example"
    assert result.classification is not None
    assert result.classification.line == (
        "fatal: could not read Username for 'https://corp.example': No such device or address"
    )


def test_credentials_from_a_git_credential_helper_open_the_repository(
    private_origin: FakeOrigin, go: GoRunner
) -> None:
    """The way out the go FAQ gives: git answers the 401 with credentials it is configured with
    (here a credential helper in ``GIT_CONFIG_*``); the origin then serves the fetch."""
    result = download(
        go, {**PRIVATE, **credential_env("alice", "s3cret")}, "corp.example/lib@v1.0.0"
    )
    result.assert_ok()
    assert infos(result)["corp.example/lib"]["Version"] == "v1.0.0"
    answered = log(private_origin)
    assert answered[:3] == [("meta", 200), ("info_refs", 401), ("info_refs", 200)]
    assert ("upload_pack", 200) in answered
    assert ("upload_pack", 401) not in answered  # git kept the credentials for the fetch


def test_wrong_credentials_are_an_authentication_failure(
    private_origin: FakeOrigin, go: GoRunner
) -> None:
    result = download(go, {**PRIVATE, **credential_env("alice", "nope")}, "corp.example/lib@v1.0.0")
    error = error_of(result)
    # git shows the 401's body as the remote's words; go's hint is for a prompt only
    assert error.endswith(
        ": exit status 128:\n\tremote: 401 Unauthorized\n"
        "\tfatal: Authentication failed for 'https://corp.example/lib/'"
    )
    assert GO_FAQ_HINT not in error
    assert log(private_origin) == [("meta", 200), ("info_refs", 401), ("info_refs", 401)]
    result.assert_failure(Failure.AUTH)
    assert (result.host, result.url) == ("corp.example", "https://corp.example/lib/")


def test_an_origin_with_auth_refuses_git_and_tells_nothing_without_credentials() -> None:
    """The origin's side, with the real git: 401 and a Basic challenge, for a repository it
    has and one it lacks alike, while the right credentials list the tags."""
    with FakeOrigin(auth=("alice", "s3cret")) as origin:
        origin.add_module("corp.example/lib", "v1.0.0", LIB)
        assert origin.auth == ("alice", "s3cret")
        env = {**git_env(origin.root / "client"), "GIT_SSL_CAINFO": str(session_ca().bundle())}
        resolve = f"http.curloptResolve=corp.example:{origin.port}:127.0.0.1"
        base = f"https://corp.example:{origin.port}"

        def ls_remote(url: str, *config: str) -> subprocess.CompletedProcess[str]:
            options = [x for c in (resolve, *config) for x in ("-c", c)]
            return subprocess.run(
                ["git", *options, "ls-remote", url],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )

        for repo in ("lib", "nope"):
            refused = ls_remote(f"{base}/{repo}")
            assert refused.returncode == 128
            assert "terminal prompts disabled" in refused.stderr
        helper = "credential.helper=!f() { echo username=alice; echo password=s3cret; }; f"
        listed = ls_remote(f"{base}/lib", helper)
        assert listed.returncode == 0, listed.stderr
        assert "\trefs/tags/v1.0.0\n" in listed.stdout
        assert [(r.repo, r.status) for r in origin.requests("info_refs")] == [
            ("lib", 401),
            ("lib", 401),
            ("lib", 200),
        ]
        assert [r.status for r in origin.requests("other")] == [401]  # /nope: not a 404


@pytest.mark.parametrize(
    "auth", [("alice",), ("", "x"), ("a:b", "x"), ["alice", "s3cret"], ("alice", None)]
)
def test_auth_must_be_a_user_and_a_password(auth: object) -> None:
    with pytest.raises(UsageError, match="give \\(user, password\\)"):
        FakeOrigin(auth=auth)  # type: ignore[arg-type]


# -- GOINSECURE and an http:// origin ------------------------------------------------------------


@pytest.fixture
def plain_origin() -> Iterator[FakeOrigin]:
    """An origin on plain HTTP, its meta tags naming ``http://corp.example/lib``."""
    with FakeOrigin(tls=False) as origin:
        origin.add_module("corp.example/lib", "v1.0.0", LIB)
        yield origin


@pytest.mark.parametrize("insecure", [None, "*.corp.example", "corp.example/other"])
def test_without_a_matching_goinsecure_go_asks_https_only(
    plain_origin: FakeOrigin, go: GoRunner, insecure: str | None
) -> None:
    result = download(
        go,
        {**PRIVATE, "GOINSECURE": insecure},
        "corp.example/lib@v1.0.0",
        routes={"corp.example": plain_origin},
    )
    assert error_of(result) == (
        'corp.example/lib@v1.0.0: unrecognized import path "corp.example/lib": https fetch: '
        'Get "https://corp.example/lib?go-get=1": http: server gave HTTP response to HTTPS client'
    )
    assert (result.failure, result.tls_problem) == (Failure.TLS, TLSProblem.NOT_TLS)
    assert [str(r) for r in result.routed] == ["CONNECT corp.example:443"]
    assert log(plain_origin) == []  # a TLS hello is no request: the server's 400, unlogged


def test_goinsecure_reads_the_meta_tag_over_http_but_git_keeps_its_secure_transports(
    plain_origin: FakeOrigin, go: GoRunner
) -> None:
    """GOINSECURE makes go fall back to http:// for the meta tag (after https failed); the
    hermetic GIT_ALLOW_PROTOCOL (https:ssh:git+ssh) still stops git from fetching over http."""
    result = download(
        go,
        {**PRIVATE, "GOINSECURE": "corp.example"},
        "corp.example/lib@v1.0.0",
        routes={"corp.example": plain_origin},
    )
    error = error_of(result)
    assert error.startswith(
        "corp.example/lib@v1.0.0: invalid version: git ls-remote -q --end-of-options "
        "http://corp.example/lib in "
    )
    assert error.endswith(": exit status 128:\n\tfatal: transport 'http' not allowed")
    # git's own allow-list refused: POLICY, the URL the one go gave git (was UNKNOWN)
    result.assert_failure(Failure.POLICY)
    assert (result.url, result.host) == ("http://corp.example/lib", "corp.example")
    assert [str(r) for r in result.routed] == [
        "CONNECT corp.example:443",
        "GET http://corp.example/lib?go-get=1",
    ]
    assert log(plain_origin) == [("meta", 200)]


@pytest.mark.parametrize("insecure", ["corp.example", "*.example", "corp.example/lib"])
def test_goinsecure_and_git_allowing_http_fetch_from_the_http_origin(
    plain_origin: FakeOrigin, go: GoRunner, insecure: str
) -> None:
    env = {**PRIVATE, "GOINSECURE": insecure, "GIT_ALLOW_PROTOCOL": "https:http"}
    result = download(go, env, "corp.example/lib@v1.0.0", routes={"corp.example": plain_origin})
    result.assert_ok()
    assert infos(result)["corp.example/lib"]["Origin"]["URL"] == "http://corp.example/lib"
    routed = [str(r) for r in result.routed]
    assert routed[:3] == [
        "CONNECT corp.example:443",  # https first, as always
        "GET http://corp.example/lib?go-get=1",
        "GET http://corp.example/lib/info/refs?service=git-upload-pack",
    ]
    assert "POST http://corp.example/lib/git-upload-pack" in routed
    assert ("upload_pack", 200) in log(plain_origin)
    assert not result.escapes


# -- GOPRIVATE patterns --------------------------------------------------------------------------

#: module -> the repository root go fetches it from at the origin
MODULES = {
    "corp.example/lib": "corp.example/lib",
    "corp.example/team/svc": "corp.example/team",  # a module in the repository's svc/
    "git.corp.example/tool": "git.corp.example/tool",
}
#: GOPRIVATE -> the modules it makes private (module.MatchPrefixPatterns: each pattern is
#: path.Match'ed against the path's leading elements, as many as the pattern has)
GOPRIVATE_CASES = {
    "corp.example": {"corp.example/lib", "corp.example/team/svc"},
    "*.corp.example": {"git.corp.example/tool"},
    "corp.example/*": {"corp.example/lib", "corp.example/team/svc"},
    "corp.example/team": {"corp.example/team/svc"},
    "corp.example/t*/svc": {"corp.example/team/svc"},
    "*.corp.example,corp.example/lib": {"git.corp.example/tool", "corp.example/lib"},
    "*.example": set(MODULES),
    "corp.example/li": set(),  # elements, not characters
    "corp": set(),
}


@pytest.mark.parametrize("goprivate", list(GOPRIVATE_CASES))
def test_goprivate_patterns_choose_which_modules_come_from_the_origin(
    goorigin: FakeOrigin, goproxy: FakeGoProxy, go: GoRunner, goprivate: str
) -> None:
    """Every module is at both the proxy and its origin; GOPROXY has no ``direct``, so the
    request logs say which source GOPRIVATE picked, module by module. Either way go.sum's
    hash is the same."""
    for module in MODULES:
        goorigin.add_module(module, "v1.0.0")
        goproxy.add_module(module, "v1.0.0")
    env = {"GOPROXY": goproxy.url, "GOPRIVATE": goprivate, "GOSUMDB": "off"}
    result = download(go, env, *(f"{m}@v1.0.0" for m in MODULES))
    result.assert_ok()
    fetched = infos(result)
    private = GOPRIVATE_CASES[goprivate]
    for module, root in MODULES.items():
        from_origin = bool(goorigin.requests("upload_pack", repo=root))
        from_proxy = bool(goproxy.requests(module=module))
        assert (from_origin, from_proxy) == (module in private, module not in private), module
        assert ("Origin" in fetched[module]) == (module in private)  # the VCS origin go saw
        assert (
            f"{module} v1.0.0 {fetched[module]['Sum']}" == goproxy.go_sum_lines(module, "v1.0.0")[0]
        )
    assert {r.host for r in goorigin.request_log.snapshot()} == {m.split("/")[0] for m in private}
    # the package's own reading of the rule (configs, record) agrees with the real go
    assert {m for m in MODULES if match_prefix_patterns(goprivate, m)} == private


# -- go get through the origin -------------------------------------------------------------------


def test_go_get_at_a_branch_takes_its_head_as_a_pseudo_version(
    goorigin: FakeOrigin, go: GoRunner
) -> None:
    goorigin.add_module("corp.example/lib", "v1.0.0", LIB)
    first = goorigin.add_commit("corp.example/lib", {"more.go": "package lib\n"})
    project = go.project(files=IMPORTS_LIB, env=PRIVATE)
    added = project.run("get", "corp.example/lib@main")
    added.assert_ok()
    pseudo = f"v1.0.1-0.20240101000100-{first[:12]}"
    assert f"go: added corp.example/lib {pseudo}\n" in added.stderr
    assert f"require corp.example/lib {pseudo}" in (project.go_mod or "")
    assert f"corp.example/lib {pseudo} h1:" in (project.go_sum or "")
    # the branch moves on: the same query now names the new head
    second = goorigin.add_commit("corp.example/lib", {"more.go": "package lib\n\n// more\n"})
    moved = project.run("get", "corp.example/lib@main")
    moved.assert_ok()
    newer = f"v1.0.1-0.20240101000200-{second[:12]}"
    assert f"go: upgraded corp.example/lib {pseudo} => {newer}\n" in moved.stderr
    assert goorigin.requests("upload_pack", repo="corp.example/lib")


@pytest.mark.parametrize("target", ["./...", "corp.example/lib"])
def test_go_get_u_picks_up_a_tag_added_after_the_first_get(
    goorigin: FakeOrigin, go: GoRunner, target: str
) -> None:
    """The module cache is shared, as on a developer's machine: go still asks the origin for
    its tags again, and takes the newest release (not the newer pre-release)."""
    goorigin.add_module("corp.example/lib", "v1.0.0", LIB)
    project = go.project(files=IMPORTS_LIB, env=PRIVATE, modcache=go.module_cache())
    first = project.run("get", "corp.example/lib")
    first.assert_ok()
    assert "go: added corp.example/lib v1.0.0\n" in first.stderr
    goorigin.add_module("corp.example/lib", "v1.1.0", LIB)
    goorigin.add_module("corp.example/lib", "v1.2.0-rc.1", LIB)
    before = len(goorigin.request_log.snapshot())
    upgraded = project.run("get", "-u", target)
    upgraded.assert_ok()
    assert "go: upgraded corp.example/lib v1.0.0 => v1.1.0\n" in upgraded.stderr
    assert re.search(r"^require corp\.example/lib v1\.1\.0\b", project.go_mod or "", re.M)
    assert ("info_refs", 200) in log(goorigin, before)  # the tags, asked again
    assert ("upload_pack", 200) in log(goorigin, before)


# -- an origin module under a proxy module -------------------------------------------------------

PUB = {
    "pub.go": 'package pub\n\nimport "corp.example/lib"\n\n'
    "func Answer() int { return lib.Answer() }\n"
}
APP = {
    "main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"example.test/pub"\n)\n\n'
    "func main() { fmt.Println(pub.Answer()) }\n"
}


def test_a_proxy_module_requiring_an_origin_module_builds_under_goprivate(
    goorigin: FakeOrigin, goproxy: FakeGoProxy, go: GoRunner
) -> None:
    goorigin.add_module("corp.example/lib", "v1.0.0", LIB)
    goproxy.add_module(
        "example.test/pub", "v1.0.0", files=PUB, requires={"corp.example/lib": "v1.0.0"}
    )
    env = {"GOPROXY": goproxy.url, "GOPRIVATE": "corp.example", "GOSUMDB": "off"}
    project = go.project(requires={"example.test/pub": "v1.0.0"}, files=APP, env=env)
    project.tidy().assert_ok()
    assert "require corp.example/lib v1.0.0 // indirect" in (project.go_mod or "")
    run = project.run("run", ".")
    run.assert_ok()
    assert run.stdout == "42\n"
    goproxy.assert_requested("mod", "example.test/pub", "v1.0.0")
    goproxy.assert_not_requested(module="corp.example/lib")
    assert goorigin.requests("upload_pack", repo="corp.example/lib")
    # without GOPRIVATE the proxy is asked for it, and has it not
    before = len(goorigin.request_log.snapshot())
    public = project.tidy(env={"GOPRIVATE": None})
    public.assert_failure(Failure.NOT_FOUND, status_code=404)
    assert (
        "go: example.test/app imports\n\texample.test/pub imports\n\tcorp.example/lib: "
        f"corp.example/lib@v1.0.0: reading {goproxy.url}/corp.example/lib/@v/v1.0.0.zip: "
        "404 Not Found\n\tserver response: 404 page not found\n"
    ) in public.stderr
    assert log(goorigin, before) == []


# -- the origin down, the proxy fine -------------------------------------------------------------


@pytest.fixture
def private_and_public(goorigin: FakeOrigin, goproxy: FakeGoProxy, go: GoRunner) -> GoProject:
    """A project needing corp.example/lib (at the origin only) and example.test/pub (at the
    proxy only)."""
    goorigin.add_module("corp.example/lib", "v1.0.0", LIB)
    goproxy.add_module("example.test/pub", "v1.0.0", files={"pub.go": "package pub\n"})
    return go.project(requires={"corp.example/lib": "v1.0.0", "example.test/pub": "v1.0.0"})


DOWN = 'corp.example/lib: unrecognized import path "corp.example/lib": https fetch: '
DOWN += 'Get "https://corp.example/lib?go-get=1": Bad Gateway\n'


@pytest.mark.parametrize("how", ["unrouted", "closed"])
def test_under_goprivate_a_private_module_whose_origin_is_down_fails(
    goorigin: FakeOrigin, goproxy: FakeGoProxy, private_and_public: GoProject, how: str
) -> None:
    """The proxy is fine and is asked for the public module; the private one needs its origin,
    and the guard, like a corporate proxy, answers 502 for an origin it cannot reach."""
    env = {"GOPROXY": goproxy.url, "GOPRIVATE": "corp.example", "GOSUMDB": "off"}
    routes: dict[str, object] | None = {"corp.example": None}
    if how == "closed":
        goorigin.close()
        routes = None  # the runner's route stays, to a port where nothing listens
    result = private_and_public.tidy(env=env, routes=routes)
    result.assert_failure(Failure.HTTP_STATUS, status_code=502)
    assert (result.host, result.url) == ("corp.example", "https://corp.example/lib?go-get=1")
    assert f"go: example.test/app imports\n\t{DOWN}" in result.stderr
    assert [(str(r), r.status) for r in result.routed] == [("CONNECT corp.example:443", 502)]
    assert not result.escapes
    goproxy.assert_requested("zip", "example.test/pub", "v1.0.0")
    goproxy.assert_not_requested(module="corp.example/lib")


@pytest.mark.parametrize("status", [404, 410])
def test_without_goprivate_the_proxy_answers_for_the_private_module_with_the_origin_down(
    goorigin: FakeOrigin, goproxy: FakeGoProxy, private_and_public: GoProject, status: int
) -> None:
    """No GOPRIVATE, no ``direct``: the down origin is never tried; the proxy's 404 (or its 410,
    as proxy.golang.org answers for a path it cannot fetch) is the error."""
    if status == 410:
        goproxy.mark_gone("corp.example/lib")
    env = {"GOPROXY": goproxy.url, "GOSUMDB": "off"}
    result = private_and_public.tidy(env=env, routes={"corp.example": None})
    result.assert_failure(Failure.NOT_FOUND, status_code=status)
    words = {404: "404 Not Found", 410: "410 Gone"}[status]
    assert (
        f"corp.example/lib: corp.example/lib@v1.0.0: reading "
        f"{goproxy.url}/corp.example/lib/@v/v1.0.0.zip: {words}\n"
    ) in result.stderr
    assert result.routed == ()
    assert log(goorigin) == []
    goproxy.assert_requested("zip", "corp.example/lib", "v1.0.0")


def test_a_comma_list_goes_direct_on_the_proxys_404_and_meets_the_down_origin(
    goorigin: FakeOrigin, goproxy: FakeGoProxy, private_and_public: GoProject
) -> None:
    env = {"GOPROXY": f"{goproxy.url},direct", "GOSUMDB": "off"}
    result = private_and_public.tidy(env=env, routes={"corp.example": None})
    result.assert_failure(Failure.HTTP_STATUS, status_code=502)
    assert f"go: example.test/app imports\n\t{DOWN}" in result.stderr
    goproxy.assert_requested(module="corp.example/lib")  # the 404 that sent go direct
    assert [r.status for r in result.routed] == [502]
    assert log(goorigin) == []
