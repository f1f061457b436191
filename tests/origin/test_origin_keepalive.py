"""The origin keeps HTTP/1.1 connections (issue 16, performance): git's requests of one command
share a connection, answers of unknown length are chunked, a body nobody read is drained."""

from __future__ import annotations

import socket
from typing import BinaryIO

import pytest

from pytest_goproxy import FakeOrigin
from pytest_goproxy.serving.tls import session_ca

LS_REFS = b"0014command=ls-refs\n00010009peel\n0000"


def _read(f: BinaryIO, *, head: bool = False) -> tuple[str, dict[str, str], bytes]:
    status = f.readline().decode().strip()
    headers: dict[str, str] = {}
    while (line := f.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if head:
        return status, headers, body
    if headers.get("transfer-encoding") == "chunked":
        while n := int(f.readline().strip(), 16):
            body += f.read(n)
            f.readline()
        f.readline()
    elif "content-length" in headers:
        body = f.read(int(headers["content-length"]))
    return status, headers, body


@pytest.mark.parametrize("auth", [None, ("u", "p")])
def test_one_connection_carries_every_request(tmp_path, auth):
    with FakeOrigin(("corp.example",), workdir=tmp_path, auth=auth) as origin:
        origin.add_module("corp.example/lib", "v1.0.0", {"a.go": "package lib\n"})
        raw = socket.create_connection(("127.0.0.1", origin.port))
        with session_ca().client_context().wrap_socket(raw, server_hostname="corp.example") as s:
            f = s.makefile("rb")
            host = "Host: corp.example\r\n"
            creds = "Authorization: Basic dTpw\r\n" if auth else ""
            git = f"{host}{creds}Git-Protocol: version=2\r\n"
            post = "Content-Type: application/x-git-upload-pack-request\r\n"

            s.sendall(f"GET /lib?go-get=1 HTTP/1.1\r\n{host}\r\n".encode())
            assert _read(f)[0] == "HTTP/1.1 200 OK"
            s.sendall(f"GET /lib/info/refs?service=git-upload-pack HTTP/1.1\r\n{git}\r\n".encode())
            status, headers, body = _read(f)
            assert (status, headers["transfer-encoding"]) == ("HTTP/1.1 200 OK", "chunked")
            assert b"version 2" in body
            length = f"Content-Length: {len(LS_REFS)}\r\n"
            head = f"POST /lib/git-upload-pack HTTP/1.1\r\n{git}{post}{length}\r\n"
            s.sendall(head.encode() + LS_REFS)
            assert b"refs/tags/v1.0.0" in _read(f)[2]
            # bodies nobody reads (a 404, or the 401 before it) are drained, both framings
            refused = "HTTP/1.1 401 Unauthorized" if auth else "HTTP/1.1 404 Not Found"
            nope = f"POST /nope/git-upload-pack HTTP/1.1\r\n{host}"
            s.sendall(f"{nope}Content-Length: 5\r\n\r\nhello".encode())
            assert _read(f)[0] == refused
            chunked = "Transfer-Encoding: chunked\r\n"
            s.sendall(f"{nope}{chunked}\r\n5\r\nhello\r\n0\r\n\r\n".encode())
            assert _read(f)[0] == refused
            chunk = b"%x\r\n%s\r\n0\r\n\r\n" % (len(LS_REFS), LS_REFS)
            head = f"POST /lib/git-upload-pack HTTP/1.1\r\n{git}{post}{chunked}\r\n"
            s.sendall(head.encode() + chunk)
            assert b"refs/tags/v1.0.0" in _read(f)[2]
            s.sendall(f"HEAD /lib?go-get=1 HTTP/1.1\r\n{host}\r\n".encode())
            assert _read(f, head=True)[0] == "HTTP/1.1 200 OK"
            s.sendall(f"GET /lib?go-get=1 HTTP/1.1\r\n{host}Connection: close\r\n\r\n".encode())
            status, headers, _ = _read(f)
            assert headers["connection"] == "close"
            assert f.read() == b""  # and the origin closed it
        assert len(origin.requests()) == 8
        assert not origin.handler_errors
        assert not origin.git_processes


def test_http_1_0_gets_one_answer_per_connection(tmp_path):
    with FakeOrigin(("corp.example",), workdir=tmp_path) as origin:
        origin.add_module("corp.example/lib", "v1.0.0", {"a.go": "package lib\n"})
        raw = socket.create_connection(("127.0.0.1", origin.port))
        with session_ca().client_context().wrap_socket(raw, server_hostname="corp.example") as s:
            f = s.makefile("rb")
            refs = b"GET /lib/info/refs?service=git-upload-pack HTTP/1.0\r\n"
            s.sendall(refs + b"Host: corp.example\r\n\r\n")
            status, headers, _ = _read(f, head=True)
            assert status == "HTTP/1.0 200 OK" or status == "HTTP/1.1 200 OK"
            assert headers["connection"] == "close" and "transfer-encoding" not in headers
            assert b"# service=git-upload-pack" in f.read()  # the body ends with the connection
