"""Origins in the outage engine (issue 16), with real go, real git and real toxiproxy: private
modules the public proxy and database do not have, every module's origin reached by name, and
the checksum database reached directly by its name when go's rules say so."""

from __future__ import annotations

import httpx
import pytest

from pytest_goproxy import Failure, GoRunner, Toxiproxy
from pytest_goproxy.configs import get_config
from pytest_goproxy.errors import ToolUnavailable
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.matrix.runner import MatrixProject
from pytest_goproxy.outage.endpoints import EndpointPlan, Endpoints
from pytest_goproxy.outage.engine import Outage, OutageEngine, config_endpoints
from pytest_goproxy.outage.faults import bind_fault
from pytest_goproxy.scenarios import BUNDLED

#: The bundled example as the matrix runs it: corp.example/vault is private.
EXAMPLE = MatrixProject.of(None)
#: The same project with no private module: corp.example/vault is on the public proxy too.
PUBLIC = MatrixProject.of(BUNDLED / "project", BUNDLED / "modules")


@pytest.fixture(scope="module")
def store() -> ModuleStore:
    with ModuleStore() as modules:
        modules.add_txtar(BUNDLED / "modules")
        yield modules


def test_the_bundled_examples_private_module_is_corp_example() -> None:
    assert EXAMPLE.private == "corp.example"
    assert PUBLIC.private is None
    assert MatrixProject.of(None, private="").private == ""


def test_configurations_that_may_go_direct_get_an_origin() -> None:
    with_origin = {
        name
        for name in (
            "single",
            "comma_direct",
            "pipe_direct",
            "blog_cn_direct",
            "goprivate",
            "gonoproxy",
            "gonosumdb",
            "goprivate_direct",
            "gonosumdb_direct",
            "goprivate_pipe_direct",
            "warm_cache",
        )
        if "origin" in config_endpoints(get_config(name))
    }
    assert with_origin == {
        "comma_direct",
        "pipe_direct",
        "blog_cn_direct",
        "goprivate",
        "gonoproxy",
        "goprivate_direct",
        "gonosumdb_direct",
        "goprivate_pipe_direct",
    }
    assert "git" in Outage.cell("none", get_config("goprivate")).needs
    assert "git" not in Outage.cell("none", get_config("single")).needs


def test_private_modules_are_gone_from_the_proxy_and_unknown_to_the_database(
    store: ModuleStore,
) -> None:
    plans = [
        EndpointPlan("primary"),
        EndpointPlan("sumdb", "sumdb"),
        EndpointPlan("origin", "origin"),
    ]
    with Endpoints(plans, store, private="corp.example") as endpoints:
        endpoints.start()
        proxy = endpoints.url("primary")
        db = endpoints.sumdbs["sumdb"]
        gone = httpx.get(f"{proxy}/corp.example/vault/@v/v1.0.0.info")
        assert gone.status_code == 410
        assert httpx.get(f"{proxy}/example.test/words/@v/v1.0.0.info").status_code == 200
        lookup = f"{proxy}/sumdb/{db.name}/lookup"
        assert httpx.get(f"{lookup}/corp.example/vault@v1.0.0").status_code == 410
        assert httpx.get(f"{lookup}/example.test/words@v1.0.0").status_code == 200
        routes = endpoints.routes()
        origin = endpoints.origins["origin"]
        assert routes == {"corp.example": origin, "example.test": origin, db.name: db}
        assert db.url.startswith("https://")  # go reaches it by name over HTTPS only
        assert sorted(origin.repos.names("example.test")) == ["clock", "colour", "greet", "words"]
        assert endpoints.values()["private"] == "corp.example"


def test_pipe_direct_under_refused_recovers_through_the_origins_and_the_database_by_name(
    toxiproxy: Toxiproxy,
) -> None:
    """Without private modules, `primary|direct` gets past a refusing proxy: every module from
    its origin, and the checksum database (which go can no longer reach through the proxy) by
    its own name, https://sumdb.goproxy.test, as go reaches sum.golang.org."""
    with OutageEngine(toxiproxy=toxiproxy) as engine:
        outage = Outage.cell("refused", get_config("pipe_direct"), timeout=60)
        outcome = engine.run(outage, PUBLIC.modules, project=PUBLIC.path)
    assert outcome.cell.verdict == "recovered", outcome.cell.error
    assert outcome.result is not None
    reached = {r.host for r in outcome.result.routed}
    assert reached == {"corp.example", "example.test", "sumdb.goproxy.test"}
    assert outcome.result.escapes == ()
    [origin_line] = [line for line in outcome.asked if "(origin)" in line]
    for repo in ("corp.example/vault", "example.test/clock", "example.test/greet"):
        assert repo in origin_line


def test_the_private_module_decides_the_verdicts_without_a_fault() -> None:
    with OutageEngine() as engine:
        verdicts = {}
        for name in ("single", "comma_direct", "gonoproxy", "goprivate", "gonosumdb_direct"):
            outage = Outage.cell("none", get_config(name), timeout=60)
            outcome = engine.run(
                outage, EXAMPLE.modules, project=EXAMPLE.path, private=EXAMPLE.private
            )
            verdicts[name] = (outcome.cell.verdict, outcome.cell.failure, outcome.cell.error)
    assert verdicts["single"][:2] == ("failed", "NOT_FOUND")
    assert "corp.example/vault" in (verdicts["single"][2] or "")
    assert "410 Gone" in (verdicts["single"][2] or "")
    for name in ("comma_direct", "gonoproxy"):
        verdict, failure, error = verdicts[name]
        assert (verdict, failure) == ("failed", "SUMDB"), error
        assert "verifying module: corp.example/vault@v1.0.0" in (error or "")
        assert "410 Gone" in (error or "")
    assert verdicts["goprivate"][:2] == ("recovered", None)
    assert verdicts["gonosumdb_direct"][:2] == ("recovered", None)


def test_an_origin_needs_git(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_git() -> str:
        raise ToolUnavailable("git is not on PATH")

    monkeypatch.setattr("pytest_goproxy.origin.repos.find_git", no_git)
    with OutageEngine() as engine:
        outcome = engine.run(
            Outage.cell("none", get_config("goprivate")), EXAMPLE.modules, project=EXAMPLE.path
        )
    assert outcome.cell.verdict == "unavailable"
    assert "git is not installed" in (outcome.cell.error or "")


@pytest.mark.parametrize(
    ("goproxy", "refused", "supported_404", "via"),
    [
        ("{primary}", False, False, {"proxy"}),
        ("{primary},direct", False, False, {"proxy"}),
        ("{primary}|direct", False, False, {"proxy"}),
        ("{primary}", False, True, {"direct"}),  # /supported 404: go turns to the database
        ("{primary}|direct", True, False, {"direct"}),  # the proxy failed, `|` reached direct
        ("direct", False, False, {"direct"}),
    ],
)
def test_which_goproxy_shapes_send_go_to_the_database_by_name(
    store: ModuleStore,
    go: GoRunner,
    toxiproxy: Toxiproxy,
    goproxy: str,
    refused: bool,
    supported_404: bool,
    via: set[str],
) -> None:
    """cmd/go/internal/modfetch/sumdb.go: go asks each GOPROXY entry for
    ``/sumdb/<name>/supported`` and uses the first that answers 200; a 404/410 there, the end of
    the list, or reaching ``direct``/``off`` sends it to ``https://<name>`` itself, as it goes to
    sum.golang.org. Measured with the database's name routed to it through the guard."""
    plans = [
        EndpointPlan("primary", faults=(bind_fault("refused"),) if refused else ()),
        EndpointPlan("sumdb", "sumdb"),
        EndpointPlan("origin", "origin"),
    ]
    with Endpoints(plans, store, toxiproxy=toxiproxy) as endpoints:
        endpoints.start()
        db = endpoints.sumdbs["sumdb"]
        db.misbehave.supported_404 = supported_404
        endpoints.inject_planned()
        env = {"GOPROXY": goproxy.format(primary=endpoints.url("primary")), "GOSUMDB": db.key}
        result = go.run(
            ["mod", "download", "-json", "example.test/words@v1.0.0"],
            env=env,
            routes=endpoints.routes(),
        )
        assert result.ok, result.stderr
        lookups = db.requests("lookup")
        assert {r.via for r in lookups} == via
        reached = {r.host for r in result.routed}
        assert ("sumdb.goproxy.test" in reached) == (via == {"direct"})


@pytest.mark.parametrize(
    ("fault", "failure", "cause", "says"),
    [
        ("refused", "HTTP_STATUS", "REFUSED", "Bad Gateway"),  # the corporate proxy's 502
        ("dns", "HTTP_STATUS", "DNS", "Service Unavailable"),  # its 503
        ("reset", "RESET", None, "EOF"),
    ],
)
def test_faults_at_the_origin_under_goprivate(
    toxiproxy: Toxiproxy, fault: str, failure: str, cause: str | None, says: str
) -> None:
    """A fault on the engine's origin endpoint goes through toxiproxy (refused and dns are the
    guard's 502 and 503 to CONNECT); GOPRIVATE needs the origin, the healthy proxy cannot help."""
    config = get_config("goprivate")
    plans = tuple(
        EndpointPlan(name, kind, (bind_fault(fault),) if kind == "origin" else ())  # type: ignore[arg-type]
        for name, kind in config_endpoints(config).items()
    )
    # only the private module: go then asks nothing of the (healthy) proxy, whose answers would
    # race with the origin's failure for the first error go reports
    command = ("mod", "download", "corp.example/vault@v1.0.0")
    outage = Outage(fault, "goprivate", plans, config, command=command, timeout=60)
    with OutageEngine(toxiproxy=toxiproxy) as engine:
        outcome = engine.run(outage, EXAMPLE.modules, project=EXAMPLE.path, private="corp.example")
    assert (outcome.cell.verdict, outcome.cell.failure) == ("failed", failure), outcome.cell.error
    assert outcome.result is not None
    assert outcome.result.cause == (None if cause is None else getattr(Failure, cause))
    assert "corp.example/vault" in (outcome.cell.error or "")
    assert says in (outcome.cell.error or "")
