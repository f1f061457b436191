"""Path-valued keys of a scenario file (``modules``, ``project``): relative to the file, inside its
directory unless the file says ``allow_outside = true``, and a ``modules`` path that holds no
module is an error naming the file and the key (issue 13)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pytest_goproxy import GoRunner
from pytest_goproxy.errors import ScenarioError
from pytest_goproxy.scenarios import BUNDLED, ScenarioRunner, load_scenario, parse_scenario

TAIL = 'config = "single"\n[expect]\nverdict = "recovered"\n'


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """``tmp_path/outside/{modules,app}`` (loadable) and ``tmp_path/scen/`` for scenario files."""
    shutil.copytree(BUNDLED / "modules", tmp_path / "outside" / "modules")
    shutil.copytree(BUNDLED / "project", tmp_path / "outside" / "app")
    (tmp_path / "scen").mkdir()
    return tmp_path


def _scenario(directory: Path, head: str) -> Path:
    path = directory / "outage.toml"
    path.write_text(head + "\n" + TAIL)
    return path


@pytest.mark.parametrize(
    ("head", "key"),
    [
        ('modules = "../outside/modules"', "modules"),
        ('project = "../outside/app"', "project"),
        ('modules = "../../../../../../../../etc"', "modules"),
        ("modules = '{abs}'", "modules"),
        ('modules = "inside/../../outside/modules"', "modules"),
    ],
    ids=["modules_dotdot", "project_dotdot", "etc", "absolute", "climbs_back_out"],
)
def test_a_path_outside_the_files_directory_needs_allow_outside(
    layout: Path, head: str, key: str
) -> None:
    path = _scenario(layout / "scen", head.format(abs=layout / "outside" / "modules"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert "outside" in message and "allow_outside = true" in message, message


def test_a_symlink_out_of_the_directory_is_outside(layout: Path) -> None:
    link = layout / "scen" / "mods"
    try:
        os.symlink(layout / "outside" / "modules", link)
    except OSError as exc:  # pragma: no cover - no symlinks on this file system
        pytest.skip(f"cannot make a symlink here: {exc}")
    with pytest.raises(ScenarioError, match="allow_outside"):
        load_scenario(_scenario(layout / "scen", 'modules = "mods"'))


def test_allow_outside_true_reads_them(layout: Path) -> None:
    s = load_scenario(
        _scenario(
            layout / "scen",
            'allow_outside = true\nmodules = "../outside/modules"\nproject = "../outside/app"',
        )
    )
    assert s.modules == (layout / "outside" / "modules").resolve()
    assert s.project == (layout / "outside" / "app").resolve()


def test_paths_inside_need_nothing(layout: Path) -> None:
    shutil.move(layout / "outside" / "modules", layout / "scen" / "modules")
    (layout / "scen" / "sub").mkdir()
    shutil.move(layout / "outside" / "app", layout / "scen" / "sub" / "app")
    s = load_scenario(_scenario(layout / "scen", 'modules = "modules"\nproject = "sub/app"'))
    assert s.modules == (layout / "scen" / "modules").resolve()


@pytest.mark.parametrize("value", ['"yes"', "1", "[]"])
def test_allow_outside_must_be_a_boolean(layout: Path, value: str) -> None:
    path = _scenario(layout / "scen", f"allow_outside = {value}")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: allow_outside: must be true or false")


def test_without_a_file_paths_stay_below_the_working_directory(
    layout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(layout / "scen")
    data = {"modules": "../outside/modules", "config": "single", "expect": {"verdict": "failed"}}
    with pytest.raises(ScenarioError, match=r"^<scenario>: modules: .*allow_outside"):
        parse_scenario(data)
    assert parse_scenario({**data, "allow_outside": True}).modules.name == "modules"


@pytest.mark.parametrize(
    "make",
    [
        lambda d: (d / "README.md").write_text("not modules"),
        lambda d: (d / "notes.txt").write_text("-- a --\nb\n"),
        lambda d: None,
    ],
    ids=["no_txt", "txt_names_that_are_no_module", "empty_dir"],
)
def test_a_modules_directory_that_holds_no_module_is_an_error_at_load(
    layout: Path, make: object
) -> None:
    modules = layout / "scen" / "mods"
    modules.mkdir()
    make(modules)  # type: ignore[operator]
    path = _scenario(layout / "scen", 'modules = "mods"')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: modules: "), message
    assert "no modules found: no file here is a txtar module archive" in message, message


def test_modules_that_fail_to_load_name_the_scenario_and_the_key(
    layout: Path, go: GoRunner
) -> None:
    """An archive whose name decodes but that holds no file is found when the modules are
    loaded, before go runs; the error still names the scenario file and ``modules``."""
    modules = layout / "scen" / "mods"
    modules.mkdir()
    (modules / "example.test_e_v1.0.0.txt").write_bytes(b"\x00\xffgarbage\n")
    path = _scenario(layout / "scen", 'modules = "mods"')
    scenario = load_scenario(path)
    with ScenarioRunner(runner=go) as runner, pytest.raises(ScenarioError) as info:
        runner.run(scenario)
    message = str(info.value)
    assert message.startswith(f"{path}: modules: {modules / 'example.test_e_v1.0.0.txt'}: ")
