"""Scenario items have node IDs that can be passed back to pytest (issue 12, item 9): the ID
``--collect-only`` prints selects the same scenario, inside the rootdir and outside it."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SCENARIO = 'config = "single"\n[expect]\nverdict = "recovered"\n'


def _ids(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if "::" in line]


def test_ids_inside_and_outside_the_rootdir_select_their_scenario(
    pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    (pytester.path / "outages").mkdir()
    (pytester.path / "outages" / "refused.toml").write_text(SCENARIO)
    elsewhere: Path = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "far.toml").write_text(SCENARIO)
    listed = pytester.runpytest(
        "--co", "-q", "--goproxy-scenario=outages", f"--goproxy-scenario={elsewhere}"
    )
    ids = _ids(listed)
    assert ids == ["outages/refused.toml::refused", f"{elsewhere.as_posix()}/far.toml::far"]
    for node_id in ids:
        again = pytester.runpytest("--co", "-q", node_id)
        again.assert_outcomes()
        assert len(_ids(again)) == 1 and _ids(again)[0].endswith(node_id.rsplit("/", 1)[-1])


def test_a_scenario_file_named_on_the_command_line_is_collected_once(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "outages").mkdir()
    (pytester.path / "outages" / "refused.toml").write_text(SCENARIO)
    result = pytester.runpytest(
        "--co", "-q", "--goproxy-scenario=outages", "outages/refused.toml::refused"
    )
    assert _ids(result) == ["outages/refused.toml::refused"]
