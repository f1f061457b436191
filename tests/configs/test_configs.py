"""The configuration catalogue: complete, documented, and rendered into environments exactly."""

from __future__ import annotations

import pytest

from pytest_goproxy.configs import (
    CONFIGS,
    PLACEHOLDERS,
    Configuration,
    RetryPolicy,
    config_names,
    config_table_markdown,
    get_config,
)
from pytest_goproxy.errors import ConfigError, GoProxyError

#: The names issue 7 promises to the CLI, scenario files and docs.
PROMISED = [
    "single",
    "comma_backup",
    "pipe_backup",
    "comma_direct",
    "pipe_direct",
    "gosumdb_off",
    "gonosumdb",
    "goprivate",
    "gonoproxy",
    "mod_mod",
    "warm_cache",
    "offline_warm_cache",
    "retry",
    "relay",
]

VALUES = {
    "primary": "http://127.0.0.1:1",
    "backup": "http://127.0.0.1:2",
    "relay": "http://127.0.0.1:3",
    "sumdb_key": "sumdb.goproxy.test+abcd+KEY",
    "private": "example.test",
    "corporate_ca": "/tmp/corporate-ca.pem",
}


def test_every_promised_name_and_the_blog_shapes_are_there() -> None:
    assert set(PROMISED) <= set(CONFIGS)
    assert config_names() == list(CONFIGS)
    assert [n for n in CONFIGS if n.startswith("blog_")] == ["blog_cn_direct", "blog_cn_io_direct"]


@pytest.mark.parametrize("name", list(CONFIGS))
def test_each_entry_is_documented_data(name: str) -> None:
    config = get_config(name)
    assert config.name == name
    assert config.summary and config.docs and config.expect
    assert "GOPROXY" in config.env
    assert config.placeholders <= set(PLACEHOLDERS)
    env = config.render(VALUES)
    assert all("{" not in value for value in env.values()), env


@pytest.mark.parametrize(
    ("name", "goproxy"),
    [
        ("single", "http://127.0.0.1:1"),
        ("comma_backup", "http://127.0.0.1:1,http://127.0.0.1:2"),
        ("pipe_backup", "http://127.0.0.1:1|http://127.0.0.1:2"),
        ("comma_direct", "http://127.0.0.1:1,direct"),
        ("pipe_direct", "http://127.0.0.1:1|direct"),
        ("blog_cn_direct", "http://127.0.0.1:1,direct"),
        ("blog_cn_io_direct", "http://127.0.0.1:1,http://127.0.0.1:2,direct"),
        ("offline_warm_cache", "off"),
        ("relay", "http://127.0.0.1:3"),
    ],
)
def test_goproxy_lists_have_the_documented_shape(name: str, goproxy: str) -> None:
    assert get_config(name).render(VALUES)["GOPROXY"] == goproxy


def test_checksum_database_and_private_patterns() -> None:
    assert get_config("gosumdb_off").render(VALUES)["GOSUMDB"] == "off"
    assert not get_config("gosumdb_off").uses_sumdb
    assert get_config("single").render(VALUES)["GOSUMDB"] == VALUES["sumdb_key"]
    assert get_config("gonosumdb").render(VALUES)["GONOSUMDB"] == "example.test"
    assert get_config("goprivate").render(VALUES)["GOPRIVATE"] == "example.test"
    assert get_config("gonoproxy").render(VALUES)["GONOPROXY"] == "example.test"
    assert get_config("mod_mod").render(VALUES)["GOFLAGS"] == "-mod=mod"
    assert "does not change `go mod tidy`" in get_config("mod_mod").docs


def test_procedures() -> None:
    assert get_config("warm_cache").warms_cache and get_config("offline_warm_cache").warms_cache
    assert get_config("relay").procedure == "relay" and get_config("relay").needs == ("nginx",)
    retry = get_config("retry").retry
    assert retry is not None and retry.attempt_timeout > 0
    assert [retry.delay_before(n) for n in range(3)] == [0.0, 1.0, 2.0]
    assert get_config("pipe_backup").uses_backup and not get_config("single").uses_backup


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(
        ConfigError,
        match="unknown configuration 'nope'; valid configurations: single, comma_backup",
    ):
        get_config("nope")
    assert issubclass(ConfigError, GoProxyError) and issubclass(ConfigError, ValueError)


def test_missing_value_and_bad_placeholder_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="needs values for backup"):
        get_config("comma_backup").render({"primary": "x", "sumdb_key": "k"})
    with pytest.raises(ConfigError, match=r"uses \{nope\}; valid placeholders: primary"):
        Configuration(name="x", summary="", docs="", env={"GOPROXY": "{nope}"})
    with pytest.raises(ConfigError, match="RetryPolicy needs"):
        RetryPolicy(attempts=0)


def test_table_lists_every_configuration() -> None:
    table = config_table_markdown()
    for name, config in CONFIGS.items():
        assert f"| `{name}` |" in table
        assert config.summary.replace("|", "\\|") in table
    assert "\\|{backup}" in table  # the pipe of a GOPROXY list is escaped for GFM
