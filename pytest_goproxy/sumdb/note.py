"""Signed notes and Ed25519 keys in the format of ``golang.org/x/mod/sumdb/note`` (note.go).

A checksum database signs its tree heads as *notes*: the text, a blank line, then one line per
signature, ``— <name> <base64(4-byte key hash || signature)>`` (the dash is U+2014).

Keys are strings:

* verifier key (what ``GOSUMDB`` holds): ``<name>+<hash as 8 hex digits>+<base64(0x01 || public)>``
* signer key: ``PRIVATE+KEY+<name>+<hash>+<base64(0x01 || 32-byte Ed25519 seed)>``

where ``0x01`` names the Ed25519 algorithm and the key hash is the first four bytes, big-endian,
of ``SHA-256(name || "\\n" || 0x01 || public)``. The go command rejects a key whose hash does not
match (``errVerifierHash``), so only keys made this way are trusted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from pytest_goproxy.errors import ChecksumDBError

__all__ = [
    "ALG_ED25519",
    "NoteSignature",
    "OpenedNote",
    "Signer",
    "Verifier",
    "generate_key",
    "is_valid_name",
    "key_hash",
    "open_note",
    "sign_note",
]

#: The algorithm byte that prefixes Ed25519 keys (``algEd25519`` in note.go).
ALG_ED25519 = 0x01
_SIG_PREFIX = "— "


def is_valid_name(name: str) -> bool:
    """A key name is non-empty, has no whitespace and no ``+`` (``isValidName`` in note.go)."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_hash(name: str, key: bytes) -> int:
    """The 32-bit key hash: the first four bytes of ``SHA-256(name || "\\n" || key)``, where
    ``key`` includes its algorithm byte."""
    digest = hashlib.sha256(name.encode() + b"\n" + key).digest()
    return int(struct.unpack(">I", digest[:4])[0])


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ChecksumDBError(f"bad base64 {text!r}") from exc


class Verifier:
    """Checks signatures of one named key; made from a verifier key string."""

    def __init__(self, vkey: str) -> None:
        name, _, rest = vkey.partition("+")
        hash16, _, key64 = rest.partition("+")
        if not is_valid_name(name) or len(hash16) != 8 or not key64:
            raise ChecksumDBError(f"malformed verifier id {vkey!r}")
        try:
            claimed = int(hash16, 16)
        except ValueError as exc:
            raise ChecksumDBError(f"malformed verifier id {vkey!r}") from exc
        key = _b64decode(key64)
        if key_hash(name, key) != claimed:
            raise ChecksumDBError(f"invalid verifier hash in {vkey!r}")
        if key[0] != ALG_ED25519 or len(key) != 33:
            raise ChecksumDBError(f"unknown verifier algorithm in {vkey!r}")
        self.name = name
        self.key_hash = claimed
        self.vkey = vkey
        self._public = Ed25519PublicKey.from_public_bytes(key[1:])

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """Whether ``sig`` is this key's Ed25519 signature of ``msg``."""
        try:
            self._public.verify(sig, msg)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"Verifier({self.vkey!r})"


class Signer:
    """Signs with one named Ed25519 key. Ed25519 signing is deterministic, so a note signed twice
    is the same bytes (which the known-answer tests rely on)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not is_valid_name(name):
            raise ChecksumDBError(
                f"invalid key name {name!r}: it must be non-empty, without spaces or '+'"
            )
        self.name = name
        self._private = private_key
        public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._pubkey = bytes([ALG_ED25519]) + public
        self.key_hash = key_hash(name, self._pubkey)

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A signer with a fresh random key."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """A signer from a ``PRIVATE+KEY+name+hash+base64`` string (``NewSigner`` in note.go)."""
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise ChecksumDBError("malformed signer key: want PRIVATE+KEY+<name>+<hash>+<key>")
        name, hash16, key64 = parts[2], parts[3], parts[4]
        key = _b64decode(key64)
        if len(hash16) != 8 or len(key) != 33 or key[0] != ALG_ED25519:
            raise ChecksumDBError("malformed signer key")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(key[1:]))
        if f"{signer.key_hash:08x}" != hash16.lower():
            raise ChecksumDBError("invalid signer key hash")
        return signer

    @property
    def vkey(self) -> str:
        """The verifier key string for this signer: what goes into ``GOSUMDB``."""
        return f"{self.name}+{self.key_hash:08x}+{base64.b64encode(self._pubkey).decode()}"

    @property
    def skey(self) -> str:
        """The signer key string, which :meth:`from_skey` reads back."""
        seed = self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        b64 = base64.b64encode(bytes([ALG_ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_hash:08x}+{b64}"

    def verifier(self) -> Verifier:
        """The matching verifier."""
        return Verifier(self.vkey)

    def sign(self, msg: bytes) -> bytes:
        """The raw Ed25519 signature of ``msg``."""
        return self._private.sign(msg)

    def __repr__(self) -> str:
        return f"Signer({self.vkey!r})"


def generate_key(name: str) -> tuple[str, str]:
    """A fresh (signer key, verifier key) pair of strings (``GenerateKey`` in note.go)."""
    signer = Signer.generate(name)
    return signer.skey, signer.vkey


def sign_note(text: str | bytes, *signers: Signer) -> bytes:
    """The note ``text`` (which must end in a newline) signed by each of ``signers``."""
    body = text.encode() if isinstance(text, str) else text
    if not body.endswith(b"\n"):
        raise ChecksumDBError("malformed note: the text must end in a newline")
    lines = []
    for signer in signers:
        payload = struct.pack(">I", signer.key_hash) + signer.sign(body)
        lines.append(f"{_SIG_PREFIX}{signer.name} {base64.b64encode(payload).decode()}\n")
    return body + b"\n" + "".join(lines).encode()


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note."""

    name: str
    key_hash: int
    base64: str


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures were checked: ``sigs`` verified, ``unverified_sigs`` by keys not
    known to the caller."""

    text: str
    sigs: list[NoteSignature] = field(default_factory=list)
    unverified_sigs: list[NoteSignature] = field(default_factory=list)


def open_note(msg: bytes, verifiers: list[Verifier]) -> OpenedNote:
    """Parse a signed note and verify it, as ``note.Open`` does: at least one signature must be
    by a known key, and every signature by a known key must be valid."""
    try:
        decoded = msg.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ChecksumDBError("malformed note") from exc
    if any(ord(ch) < 0x20 and ch != "\n" for ch in decoded):
        raise ChecksumDBError("malformed note")
    split = msg.rfind(b"\n\n")
    if split < 0:
        raise ChecksumDBError("malformed note")
    text, sig_block = msg[: split + 1], msg[split + 2 :]
    if not sig_block.endswith(b"\n"):
        raise ChecksumDBError("malformed note")
    known = {(v.name, v.key_hash): v for v in verifiers}
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    for line in sig_block.decode().splitlines():
        if not line.startswith(_SIG_PREFIX):
            raise ChecksumDBError("malformed note")
        name, _, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        raw = _b64decode(b64) if b64 else b""
        if not is_valid_name(name) or len(raw) < 5:
            raise ChecksumDBError("malformed note")
        (hash_,) = struct.unpack(">I", raw[:4])
        sig = NoteSignature(name, int(hash_), b64)
        verifier = known.get((name, sig.key_hash))
        if verifier is None:
            if sig not in unverified:
                unverified.append(sig)
            continue
        if not verifier.verify(text, raw[4:]):
            raise ChecksumDBError(f"invalid signature for key {name}+{sig.key_hash:08x}")
        if sig not in verified:
            verified.append(sig)
    if not verified:
        raise ChecksumDBError("note has no verifiable signatures")
    return OpenedNote(text.decode(), verified, unverified)
