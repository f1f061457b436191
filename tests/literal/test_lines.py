"""Reading a user's line of Go settings (pytest_goproxy.literal): what is served under which
name, what go is given, and one clear error for what cannot be served."""

from __future__ import annotations

import pytest

from pytest_goproxy.configs import Served
from pytest_goproxy.errors import ConfigError
from pytest_goproxy.literal import (
    configuration,
    literal_configuration,
    parse_env_line,
    split_target,
)


def test_two_mirrors_and_direct_are_two_named_proxies_the_origin_and_sum_golang_org() -> None:
    line = "GOPROXY=https://goproxy.cn,https://goproxy.io,direct GONOSUMDB=corp.example.com"
    config = literal_configuration(line)
    assert config.name == line
    assert config.served == (
        Served("primary", "goproxy.cn", "proxy"),
        Served("backup", "goproxy.io", "proxy"),
        Served("sumdb", "sum.golang.org", "sumdb"),
    )
    assert config.uses_origin and config.uses_sumdb
    rendered = config.render({"sumdb_key": "sum.golang.org+0123abcd+KEY"})
    assert rendered == {
        "GOPROXY": "https://goproxy.cn,https://goproxy.io,direct",
        "GONOSUMDB": "corp.example.com",
        "GOSUMDB": "sum.golang.org+0123abcd+KEY",
    }


def test_go_defaults_fill_what_the_line_leaves_out() -> None:
    config = literal_configuration("GOFLAGS=-mod=mod")
    assert [s.host for s in config.served] == ["proxy.golang.org", "sum.golang.org"]
    assert config.env["GOPROXY"] == "https://proxy.golang.org,direct"


def test_gosumdb_off_serves_no_database_and_the_alias_keeps_its_host() -> None:
    off = literal_configuration("GOPROXY=https://goproxy.cn GOSUMDB=off")
    assert [s.kind for s in off.served] == ["proxy"] and off.env["GOSUMDB"] == "off"
    alias = literal_configuration("GOPROXY=https://goproxy.cn GOSUMDB=sum.golang.google.cn")
    assert alias.served[-1] == Served("sumdb", "sum.golang.google.cn", "sumdb")
    assert alias.render({"sumdb_key": "K"})["GOSUMDB"] == "K https://sum.golang.google.cn"


def test_braces_in_a_value_are_text() -> None:
    config = literal_configuration("GOPROXY=https://goproxy.cn GOFLAGS=-ldflags={x}")
    assert config.render({"sumdb_key": "K"})["GOFLAGS"] == "-ldflags={x}"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("", "give Go settings"),
        ("GOPROXY", "is not KEY=VALUE"),
        ("HTTPS_PROXY=http://corp:3128", "is not a Go variable"),
        ("GOPROXY='https://a", "quote it"),
        ("GOPROXY=http://goproxy.cn", "only https://HOST entries"),
        ("GOPROXY=https://goproxy.cn:8443", "only https://HOST entries"),
        ("GOPROXY=https://athens.corp/proxy", "only https://HOST entries"),
        ("GOPROXY=ftp://x", "invalid proxy URL scheme"),
        ("GOPROXY=https://goproxy.cn GOSUMDB=sumdb.corp+KEY", "cannot be served under its name"),
    ],
)
def test_what_cannot_be_served_is_one_clear_error(line: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        literal_configuration(line)


def test_parse_env_line_reads_quotes_as_a_shell_does() -> None:
    assert parse_env_line("GOPROXY='https://a.example|https://b.example' GOFLAGS=-mod=mod") == {
        "GOPROXY": "https://a.example|https://b.example",
        "GOFLAGS": "-mod=mod",
    }


def test_a_column_is_a_line_when_it_has_an_equals_sign() -> None:
    assert configuration("comma_direct").name == "comma_direct"
    assert configuration("GOPROXY=https://goproxy.cn").served[0].host == "goproxy.cn"
    with pytest.raises(ConfigError):
        configuration("no_such_configuration")


def test_split_target() -> None:
    assert split_target("refused") == ("refused", None)
    assert split_target("refused@goproxy.cn") == ("refused", "goproxy.cn")
    with pytest.raises(ConfigError, match="NAME@HOST"):
        split_target("@goproxy.cn")
