"""Go semantic versions, exactly as golang.org/x/mod/semver and module/pseudo.go define them.

Go's semver differs from semver.org in ways that matter for a proxy: versions carry a leading
``v``; the shorthands ``v1`` and ``v1.2`` are valid (and canonicalise to ``v1.0.0``/``v1.2.0``)
but may not carry a pre-release or build suffix; build metadata is ignored when comparing; and a
leading zero in a numeric pre-release identifier makes the whole version invalid.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pytest_goproxy.errors import InvalidModuleError

__all__ = [
    "PSEUDO_VERSION_TIMESTAMP_FORMAT",
    "Version",
    "build",
    "canonical",
    "canonical_version",
    "compare",
    "is_pseudo_version",
    "is_valid",
    "is_zero_pseudo_version",
    "major",
    "major_minor",
    "parse",
    "prerelease",
    "pseudo_version",
    "pseudo_version_base",
    "pseudo_version_rev",
    "pseudo_version_time",
    "sort_versions",
]

PSEUDO_VERSION_TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"

_INT = r"(?:0|[1-9][0-9]*)"
_IDENT = r"[0-9A-Za-z-]+"
# A pre-release identifier that is all digits must not have a leading zero (semver.go isBadNum).
_PRE_IDENT = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_FULL_RE = re.compile(
    rf"v(?P<major>{_INT})"
    rf"(?:\.(?P<minor>{_INT})"
    rf"(?:\.(?P<patch>{_INT})"
    rf"(?P<pre>-{_PRE_IDENT}(?:\.{_PRE_IDENT})*)?"
    rf"(?P<build>\+{_IDENT}(?:\.{_IDENT})*)?"
    r")?)?"
)
# module/pseudo.go pseudoVersionRE, with \d spelled as [0-9] (Go's RE2 \d is ASCII only).
_PSEUDO_RE = re.compile(
    r"v[0-9]+\.(0\.0-|[0-9]+\.[0-9]+-([^+]*\.)?0\.)[0-9]{14}-[A-Za-z0-9]+"
    r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
)


@dataclass(frozen=True)
class Version:
    """The parts of a valid Go semantic version (``short`` is what canonicalisation appends)."""

    major: str
    minor: str
    patch: str
    short: str
    prerelease: str
    build: str


@functools.lru_cache(maxsize=4096)
def parse(v: str) -> Version | None:
    """Parse ``v`` as semver.go's ``parse`` does; ``None`` when it is not a valid version."""
    m = _FULL_RE.fullmatch(v)
    if m is None:
        return None
    minor, patch = m.group("minor"), m.group("patch")
    if minor is None:
        return Version(m.group("major"), "0", "0", ".0.0", "", "")
    if patch is None:
        return Version(m.group("major"), minor, "0", ".0", "", "")
    return Version(m.group("major"), minor, patch, "", m.group("pre") or "", m.group("build") or "")


def is_valid(v: str) -> bool:
    """Report whether ``v`` is a valid Go semantic version (semver.IsValid)."""
    return parse(v) is not None


def canonical(v: str) -> str:
    """semver.Canonical: fill in ``.0`` shorthands and drop build metadata; ``""`` if invalid."""
    p = parse(v)
    if p is None:
        return ""
    if p.build:
        return v[: len(v) - len(p.build)]
    return v + p.short


def canonical_version(v: str) -> str:
    """module.CanonicalVersion: like :func:`canonical` but keeps a ``+incompatible`` suffix."""
    cv = canonical(v)
    if build(v) == "+incompatible":
        cv += "+incompatible"
    return cv


def major(v: str) -> str:
    """semver.Major: ``"v2"`` for ``"v2.1.0"``; ``""`` if invalid."""
    p = parse(v)
    return "" if p is None else "v" + p.major


def major_minor(v: str) -> str:
    """semver.MajorMinor: ``"v2.1"`` for ``"v2.1.0"``; ``""`` if invalid."""
    p = parse(v)
    return "" if p is None else f"v{p.major}.{p.minor}"


def prerelease(v: str) -> str:
    """semver.Prerelease: ``"-pre"`` for ``"v1.0.0-pre+build"``; ``""`` if none or invalid."""
    p = parse(v)
    return "" if p is None else p.prerelease


def build(v: str) -> str:
    """semver.Build: ``"+build"`` for ``"v1.0.0-pre+build"``; ``""`` if none or invalid."""
    p = parse(v)
    return "" if p is None else p.build


def _compare_int(x: str, y: str) -> int:
    if x == y:
        return 0
    if len(x) != len(y):
        return -1 if len(x) < len(y) else 1
    return -1 if x < y else 1


def _compare_prerelease(x: str, y: str) -> int:
    # semver.org rule 11, as semver.go comparePrerelease implements it.
    if x == y:
        return 0
    if not x:
        return 1
    if not y:
        return -1
    xs, ys = x[1:].split("."), y[1:].split(".")
    for dx, dy in zip(xs, ys, strict=False):
        if dx == dy:
            continue
        ix, iy = dx.isdigit(), dy.isdigit()
        if ix != iy:
            return -1 if ix else 1
        if ix:
            return _compare_int(dx, dy)
        return -1 if dx < dy else 1
    return -1 if len(xs) < len(ys) else 1


def compare(v: str, w: str) -> int:
    """semver.Compare: -1, 0 or +1; an invalid version is less than every valid one."""
    pv, pw = parse(v), parse(w)
    if pv is None and pw is None:
        return 0
    if pv is None:
        return -1
    if pw is None:
        return 1
    for a, b in ((pv.major, pw.major), (pv.minor, pw.minor), (pv.patch, pw.patch)):
        c = _compare_int(a, b)
        if c:
            return c
    return _compare_prerelease(pv.prerelease, pw.prerelease)


def _sort_key_cmp(a: str, b: str) -> int:
    c = compare(a, b)
    if c:
        return c
    return -1 if a < b else (1 if a > b else 0)


def sort_versions(versions: Iterable[str]) -> list[str]:
    """semver.Sort: by semver precedence, ties (build metadata, invalid) broken by string order."""
    return sorted(versions, key=functools.cmp_to_key(_sort_key_cmp))


# ---- pseudo-versions (golang.org/x/mod/module/pseudo.go) -----------------------------------


def is_pseudo_version(v: str) -> bool:
    """module.IsPseudoVersion: ``vX.0.0-yyyymmddhhmmss-rev`` and its two "based" forms."""
    return v.count("-") >= 2 and is_valid(v) and _PSEUDO_RE.fullmatch(v) is not None


def _parse_pseudo(v: str) -> tuple[str, str, str, str]:
    if not is_pseudo_version(v):
        raise InvalidModuleError(f'pseudo-version "{v}" invalid: syntax error')
    b = build(v)
    v = v[: len(v) - len(b)]
    j = v.rindex("-")
    v, rev = v[:j], v[j + 1 :]
    i = v.rindex("-")
    j = v.rfind(".")
    if j > i:
        return v[:j], v[j + 1 :], rev, b  # vX.Y.Z-pre.0 or vX.Y.(Z+1)-0
    return v[:i], v[i + 1 :], rev, b  # vX.0.0


def pseudo_version_time(v: str) -> datetime.datetime:
    """The UTC commit time embedded in a pseudo-version (module.PseudoVersionTime).

    Raises :class:`InvalidModuleError` for a malformed time, as Go does (``time.Parse`` rejects
    month 13 etc.). Python cannot represent year 0, which Go can: that is rejected too.
    """
    _, ts, _, _ = _parse_pseudo(v)
    try:
        return datetime.datetime(
            int(ts[0:4]), int(ts[4:6]), int(ts[6:8]),
            int(ts[8:10]), int(ts[10:12]), int(ts[12:14]),
            tzinfo=datetime.timezone.utc,
        )  # fmt: skip
    except ValueError:
        raise InvalidModuleError(f'pseudo-version "{v}" invalid: malformed time "{ts}"') from None


def pseudo_version_rev(v: str) -> str:
    """The revision identifier (commit hash prefix) of a pseudo-version."""
    return _parse_pseudo(v)[2]


def _dec_decimal(decimal: str) -> str:
    n = int(decimal)
    return "" if n == 0 else str(n - 1)


def pseudo_version_base(v: str) -> str:
    """module.PseudoVersionBase: the tagged version the pseudo-version was derived from.

    ``""`` for the no-base form ``vX.0.0-...``; for ``vX.Y.(Z+1)-0.…`` it is ``vX.Y.Z``; for
    ``vX.Y.Z-pre.0.…`` it is ``vX.Y.Z-pre``; build metadata (``+incompatible``) is kept.
    """
    base, _, _, b = _parse_pseudo(v)
    pre = prerelease(base)
    if pre == "":
        if b:
            raise InvalidModuleError(
                f'pseudo-version "{v}" invalid: lacks base version, but has build metadata "{b}"'
            )
        return ""
    if pre == "-0":
        base = base[: -len(pre)]
        i = base.rindex(".")
        patch = _dec_decimal(base[i + 1 :])
        if patch == "":
            raise InvalidModuleError(
                f'pseudo-version "{v}" invalid: version before {base} would have negative '
                "patch number"
            )
        return base[: i + 1] + patch + b
    return base[: -len(".0")] + b


def pseudo_version(major_: str, older: str, t: datetime.datetime, rev: str) -> str:
    """module.PseudoVersion: the pseudo-version for commit ``rev`` at ``t`` after tag ``older``."""
    major_ = major_ or "v0"
    if t.tzinfo is not None:
        t = t.astimezone(datetime.timezone.utc)
    segment = f"{t.strftime(PSEUDO_VERSION_TIMESTAMP_FORMAT)}-{rev}"
    b = build(older)
    older = canonical(older)
    if not older:
        return f"{major_}.0.0-{segment}"
    if prerelease(older):
        return f"{older}.0.{segment}{b}"
    i = older.rindex(".") + 1
    return f"{older[:i]}{int(older[i:]) + 1}-0.{segment}{b}"


def is_zero_pseudo_version(v: str) -> bool:
    """module.IsZeroPseudoVersion: ``vX.0.0-00010101000000-000000000000``."""
    return v == f"{major(v) or 'v0'}.0.0-00010101000000-000000000000"
