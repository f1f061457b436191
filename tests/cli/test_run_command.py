"""``pytest-goproxy run [PATH ...] [--project DIR] [--json FILE] [-v]`` as CI meets it: stdout a
pipe, exit status 0 / 1 (mismatch or unavailable) / 2 (bad input, nothing run)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cli_helpers import FAST, cli, copy_scenarios, mismatching, project_copy

from pytest_goproxy.cli.main import _parser
from pytest_goproxy.cli.run import _paths_and_project
from pytest_goproxy.scenarios import BUNDLED, bundled_scenarios
from pytest_goproxy.scenarios.runner import load_scenarios

#: A whole verifier key: name+hash+base64 key (what the why text used to repeat).
WHOLE_KEY = re.compile(r"\+[0-9a-f]{8}\+[A-Za-z0-9+/]{16,}")


def _lines_per_scenario_ok(stdout: str, scenarios: int) -> None:
    lines = stdout.strip().splitlines()
    assert len(lines) <= 3 * scenarios + 1, stdout
    assert re.fullmatch(
        r"\d+ scenarios?: \d+ as expected, \d+ mismatch(es)?, \d+ unavailable", lines[-1]
    )


def test_no_path_means_the_bundled_library() -> None:
    args = _parser().parse_args(["run"])
    paths, project, problems = _paths_and_project(args)
    assert (paths, project, problems) == ([str(BUNDLED)], None, [])
    scenarios, errors = load_scenarios(paths)
    assert errors == []
    assert [s.path for s in scenarios] == bundled_scenarios()


def test_several_paths_run_each_and_print_a_line_per_scenario(tmp_path: Path) -> None:
    first, second = copy_scenarios(tmp_path / "a", *FAST)
    result = cli(
        "run",
        str(first),
        str(second),
        "--json",
        str(tmp_path / "r.json"),
        "--html",
        str(tmp_path / "r.html"),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == lines[0].strip() and lines[0].startswith(
        "PASS truncated_zip: expected failed (TRUNCATED), got failed (TRUNCATED) in "
    )
    assert lines[1].startswith("PASS cdn_502_burst: expected failed (HTTP_STATUS), got failed")
    assert lines[2] == "2 scenarios: 2 as expected, 0 mismatches, 0 unavailable"
    _lines_per_scenario_ok(result.stdout, 2)
    # The why is in the JSON, with the checksum database's key whole.
    rows = json.loads((tmp_path / "r.json").read_text())
    assert [r["scenario"] for r in rows] == ["truncated_zip", "cdn_502_burst"]
    assert WHOLE_KEY.search(rows[0]["why"][0])
    # and in the HTML page, with each scenario's environment and requests
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count('<section class="cell') == 2
    assert 'id="cell-0"' in page and "truncated_zip" in page and "cdn_502_burst" in page
    assert "2 scenario(s): 2 as expected, 0 not." in page
    assert "environment go ran with" in page and "requests each endpoint saw" in page


def test_a_mismatch_exits_1_with_the_line_that_matters(tmp_path: Path) -> None:
    wrong = mismatching(tmp_path)
    result = cli("run", str(wrong))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("MISMATCH wrong: expected failed (DNS), got failed (TRUNCATED) in ")
    assert lines[1].startswith("  go: ") and "unexpected EOF" in lines[1]
    assert lines[2] == "1 scenario: 0 as expected, 1 mismatch, 0 unavailable"

    # -v adds the why, the key shortened to its name and hash.
    verbose = cli("run", str(wrong), "-v")
    assert verbose.returncode == 1
    assert "GOSUMDB=sumdb.goproxy.test+" in verbose.stdout
    assert "\u2026" in verbose.stdout and not WHOLE_KEY.search(verbose.stdout)
    assert "go said:" in verbose.stdout


def test_unavailable_is_never_a_pass(tmp_path: Path) -> None:
    [refused] = copy_scenarios(tmp_path, "proxy_refused.toml")
    result = cli("run", str(refused), "--toxiproxy-bin", str(tmp_path / "no-such-toxiproxy"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("UNAVAILABLE proxy_refused: expected ")
    assert result.stdout.strip().endswith("0 as expected, 0 mismatches, 1 unavailable")


def test_every_bad_file_is_reported_and_nothing_runs(tmp_path: Path) -> None:
    copy_scenarios(tmp_path / "lib", "truncated_zip.toml")
    (tmp_path / "lib" / "bad_verdict.toml").write_text(
        "config = 'single'\n[expect]\nverdict = 'maybe'\n"
    )
    (tmp_path / "lib" / "not_toml.toml").write_text("this is = = not toml\n")
    (tmp_path / "empty").mkdir()
    result = cli(
        "run", str(tmp_path / "lib"), str(tmp_path / "missing.toml"), str(tmp_path / "empty")
    )
    assert result.returncode == 2
    assert result.stdout == ""  # nothing ran
    err = result.stderr
    assert "bad_verdict.toml: expect.verdict: got 'maybe'; allowed: recovered, failed, hung" in err
    assert "not_toml.toml: not valid TOML" in err
    assert "missing.toml: no such scenario file or directory" in err
    assert f"{tmp_path / 'empty'}: no scenario files" in err
    assert "4 bad scenario files or paths; nothing was run" in err
    assert "Traceback" not in err


def test_a_project_is_named_with_the_option_or_the_old_positional_form(tmp_path: Path) -> None:
    wrong = mismatching(tmp_path / "s")
    project = project_copy(tmp_path / "proj")
    new = cli("run", str(wrong), "--project", str(project))
    assert new.returncode == 1 and new.stdout.startswith("MISMATCH wrong:"), new.stderr
    old = cli("run", str(wrong), str(project))  # `run PATH PROJECT_DIR`: unambiguous, kept
    assert old.returncode == 1 and old.stdout.startswith("MISMATCH wrong:"), old.stderr
    assert f"the new form is --project {project}" in old.stderr
    # A Go project where scenarios are expected, or a --project without go.mod: usage errors.
    alone = cli("run", str(project))
    assert alone.returncode == 2 and f"pass it as --project {project}" in alone.stderr
    bad = cli("run", str(wrong), "--project", str(tmp_path / "s"))
    assert bad.returncode == 2 and "not a Go module (no go.mod in it)" in bad.stderr
    for r in (alone, bad):
        assert r.stdout == "" and "Traceback" not in r.stderr and "project_from_dir" not in r.stderr
