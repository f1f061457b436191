"""Signed notes and keys, checked byte for byte against golang.org/x/mod/sumdb/note's own tests."""

from __future__ import annotations

import pytest

from pytest_goproxy.errors import ChecksumDBError
from pytest_goproxy.sumdb.note import (
    Signer,
    Verifier,
    generate_key,
    key_hash,
    open_note,
    sign_note,
)

# The key pair and signed text of note_test.go (TestSign, TestOpen) in golang.org/x/mod.
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp"
    "RZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox3"
    "3WWd1RvMc+QQ=\n"
)


def test_signer_key_gives_go_verifier_key() -> None:
    signer = Signer.from_skey(PETER_SKEY)
    assert signer.name == "PeterNeumann"
    assert signer.key_hash == 0xC74F20A3
    assert signer.vkey == PETER_VKEY
    assert signer.skey == PETER_SKEY


def test_sign_reproduces_go_note_byte_for_byte() -> None:
    signed = sign_note(TEXT, Signer.from_skey(PETER_SKEY))
    assert signed == (TEXT + "\n" + PETER_SIG).encode()


def test_open_verifies_known_and_keeps_unknown_signatures() -> None:
    msg = (TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode()
    opened = open_note(msg, [Verifier(PETER_VKEY)])
    assert opened.text == TEXT
    assert [(s.name, s.key_hash) for s in opened.sigs] == [("PeterNeumann", 0xC74F20A3)]
    assert [(s.name, s.key_hash) for s in opened.unverified_sigs] == [("EnochRoot", 0xAF0CFE78)]
    both = open_note(msg, [Verifier(PETER_VKEY), Verifier(ENOCH_VKEY)])
    assert len(both.sigs) == 2


def test_open_rejects_bad_notes() -> None:
    verifiers = [Verifier(PETER_VKEY)]
    with pytest.raises(ChecksumDBError, match="no verifiable signatures"):
        open_note((TEXT + "\n" + ENOCH_SIG).encode(), verifiers)
    tampered = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(ChecksumDBError, match="invalid signature for key PeterNeumann\\+c74f20a3"):
        open_note(tampered.encode(), verifiers)
    for bad in (TEXT, TEXT + "\n", TEXT + "\n" + PETER_SIG[:-1], "\x01" + TEXT + "\n" + PETER_SIG):
        with pytest.raises(ChecksumDBError, match="malformed note"):
            open_note(bad.encode(), verifiers)


@pytest.mark.parametrize(
    "vkey",
    [
        PETER_VKEY[:-1],
        PETER_VKEY.replace("c74f20a3", "c74f20a4"),
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_verifier_rejects_mangled_keys(vkey: str) -> None:
    with pytest.raises(ChecksumDBError):
        Verifier(vkey)


def test_generated_keys_round_trip() -> None:
    skey, vkey = generate_key("sum.example.test")
    signer = Signer.from_skey(skey)
    assert signer.vkey == vkey
    note = sign_note("hello\n", signer)
    assert open_note(note, [Verifier(vkey)]).text == "hello\n"
    assert key_hash(signer.name, b"\x01" + bytes(32)) != signer.key_hash


def test_bad_names_and_texts_are_refused() -> None:
    with pytest.raises(ChecksumDBError):
        Signer.generate("a+b")
    with pytest.raises(ChecksumDBError):
        sign_note("no newline", Signer.generate("x"))
    with pytest.raises(ChecksumDBError):
        Signer.from_skey(PETER_SKEY.replace("c74f20a3", "c74f20a4"))
