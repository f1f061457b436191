"""What each fault sends, byte for byte (httpx and a raw socket); go's view is in test_go.py."""

from __future__ import annotations

import io
import json
import socket
import time
import zipfile

import httpx
import pytest

from pytest_goproxy.httpfaults.engine import HOP_QUERY, WRONG_ZIP_FILE
from pytest_goproxy.proxy import FakeGoProxy

from .conftest import LIB

ZIP = f"/{LIB}/@v/v1.0.0.zip"


def get(proxy: FakeGoProxy, path: str, **kwargs: object) -> httpx.Response:
    with httpx.Client(base_url=proxy.url, timeout=10) as client:
        return client.get(path, **kwargs)  # type: ignore[arg-type]


def test_status_has_a_text_body_and_retry_after(modules: FakeGoProxy) -> None:
    modules.inject("status", code=429, retry_after=30)
    response = get(modules, ZIP)
    assert response.status_code == 429
    assert response.reason_phrase == "Too Many Requests"
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["retry-after"] == "30"
    assert response.text == "429 Too Many Requests: injected by pytest-goproxy\n"


def test_status_without_retry_after_sends_no_header(modules: FakeGoProxy) -> None:
    modules.inject("status", code=599)
    response = get(modules, ZIP)
    assert (response.status_code, response.reason_phrase) == (599, "Error")
    assert "retry-after" not in response.headers


def test_invalid_body_is_an_html_page_with_200(modules: FakeGoProxy) -> None:
    modules.inject("invalid_body", kind="info")
    response = get(modules, f"/{LIB}/@v/v1.0.0.info")
    assert response.status_code == 200 and response.text.startswith("<!DOCTYPE html>")
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_corrupt_zip_keeps_the_structure_but_fails_the_crc(modules: FakeGoProxy) -> None:
    good = get(modules, ZIP).content
    modules.inject("corrupt_zip")
    bad = get(modules, ZIP).content
    assert len(bad) == len(good) and bad != good
    with zipfile.ZipFile(io.BytesIO(bad)) as archive:
        assert archive.namelist() == zipfile.ZipFile(io.BytesIO(good)).namelist()
        assert archive.testzip() is not None  # the first member whose CRC fails


def test_corrupt_zip_not_zip(modules: FakeGoProxy) -> None:
    modules.inject("corrupt_zip", not_zip=1)
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(get(modules, ZIP).content))


def test_wrong_zip_is_valid_with_one_more_file(modules: FakeGoProxy) -> None:
    good = zipfile.ZipFile(io.BytesIO(get(modules, ZIP).content))
    modules.inject("wrong_zip")
    first, second = get(modules, ZIP).content, get(modules, ZIP).content
    assert first == second  # built once per version
    wrong = zipfile.ZipFile(io.BytesIO(first))
    assert wrong.testzip() is None
    prefix = f"{LIB}@v1.0.0/"
    assert wrong.namelist() == [*good.namelist(), prefix + WRONG_ZIP_FILE]
    for name in good.namelist():
        assert wrong.read(name) == good.read(name)


def raw_get(proxy: FakeGoProxy, path: str) -> bytes:
    """Everything the server sends until it closes, bounded by a timeout."""
    with socket.create_connection((proxy.host, proxy.port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {proxy.host}\r\n\r\n".encode())
        data = b""
        for _ in range(10_000):
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    raise AssertionError("the server never closed")


def test_cut_body_promises_more_than_it_sends_then_closes(modules: FakeGoProxy) -> None:
    size = len(get(modules, ZIP).content)
    modules.inject("cut_body", fraction=0.25)
    head, _, body = raw_get(modules, ZIP).partition(b"\r\n\r\n")
    assert f"Content-Length: {size}".encode() in head
    assert len(body) == int(size * 0.25)
    with pytest.raises(httpx.RemoteProtocolError):
        get(modules, ZIP)
    record = modules.requests(kind="zip")[-1]
    assert record.faulted and record.status == 200


def test_cut_body_always_leaves_out_a_byte(modules: FakeGoProxy) -> None:
    size = len(get(modules, ZIP).content)
    modules.inject("cut_body", fraction=1)
    _, _, body = raw_get(modules, ZIP).partition(b"\r\n\r\n")
    assert len(body) == size - 1


def test_slow_first_byte_delays_the_answer(modules: FakeGoProxy) -> None:
    modules.inject("slow_first_byte", seconds=0.3, kind="zip")
    started = time.monotonic()
    response = get(modules, ZIP)
    assert response.status_code == 200 and time.monotonic() - started >= 0.3
    record = modules.requests(kind="zip")[-1]
    for _ in range(100):  # duration is set when the server closes the body, just after the client
        if record.duration:
            break
        time.sleep(0.01)
    assert record.duration >= 0.3 and record.faulted


def test_slow_first_byte_ends_early_when_removed(modules: FakeGoProxy) -> None:
    fault = modules.inject("slow_first_byte", seconds=30)
    fault.remove()
    fault._sleep(30)  # returns at once: the removal set the event


def test_slow_body_trickles_at_the_rate(modules: FakeGoProxy) -> None:
    good = get(modules, ZIP).content
    rate = len(good) * 3  # the body takes about a third of a second
    modules.inject("slow_body", rate=rate)
    started = time.monotonic()
    assert get(modules, ZIP).content == good
    assert time.monotonic() - started >= 0.3


def test_redirect_chain_counts_hops_in_the_query(modules: FakeGoProxy) -> None:
    fault = modules.inject("redirect", n=2, code=307, kind="mod")
    first = get(modules, f"/{LIB}/@v/v1.0.0.mod")
    assert first.status_code == 307
    location = first.headers["location"]
    assert location.startswith(f"{modules.url}/{LIB}/@v/v1.0.0.mod?{HOP_QUERY}=")
    followed = get(modules, f"/{LIB}/@v/v1.0.0.mod", follow_redirects=True)
    assert followed.status_code == 200 and followed.text.startswith("module ")
    assert fault.hits == 2  # hops are part of one play, not new attempts
    assert [r.status for r in modules.requests(kind="mod")] == [307, 307, 307, 200]
    assert [r.faulted for r in modules.requests(kind="mod")] == [True, True, True, False]


def test_a_removed_redirect_lets_its_hops_through(modules: FakeGoProxy) -> None:
    fault = modules.inject("redirect", n=5)
    location = get(modules, ZIP).headers["location"]
    fault.remove()
    assert get(modules, location.removeprefix(modules.url)).status_code == 200


def test_redirect_to_another_proxy(modules: FakeGoProxy, goproxy_factory) -> None:  # type: ignore[no-untyped-def]
    mirror = goproxy_factory(store=modules.store)
    modules.inject("redirect", to=mirror.url + "/")
    response = get(modules, ZIP, follow_redirects=True)
    assert response.status_code == 200 and str(response.url) == mirror.url + ZIP
    assert modules.requests(kind="zip")[0].status == 302
    assert mirror.requests(kind="zip")[0].status == 200


def test_stale_list_hides_the_newest(modules: FakeGoProxy) -> None:
    modules.add_module(LIB, "v1.2.0-rc.1", files={"lib.go": "package lib\n"})
    assert get(modules, f"/{LIB}/@v/list").text == "v1.0.0\nv1.1.0\nv1.2.0-rc.1\n"
    modules.inject("stale_list")
    assert get(modules, f"/{LIB}/@v/list").text == "v1.0.0\nv1.1.0\n"
    assert get(modules, f"/{LIB}/@latest").json()["Version"] == "v1.1.0"
    assert get(modules, f"/{LIB}/@v/v1.2.0-rc.1.info").status_code == 200  # still there


def test_stale_list_hiding_everything(modules: FakeGoProxy) -> None:
    modules.inject("stale_list", hide=5)
    assert get(modules, f"/{LIB}/@v/list").text == ""
    assert get(modules, f"/{LIB}/@latest").status_code == 404


def test_faults_pass_errors_of_the_normal_answer_through(modules: FakeGoProxy) -> None:
    for name in ("corrupt_zip", "wrong_zip", "stale_list"):
        with modules.inject(name) as fault:
            path = f"/example.test/missing/@v/{'list' if name == 'stale_list' else 'v1.0.0.zip'}"
            assert get(modules, path).status_code == 404
            assert fault.hits == 1
