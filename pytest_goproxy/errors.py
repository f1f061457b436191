"""Errors a user of pytest-goproxy can meet, each saying what to do next.

Every error the plugin raises on purpose derives from :class:`GoProxyError`, so a test suite can
catch them all in one place. They come in four groups::

    GoProxyError
    ├── ModuleError             module data that breaks a Go rule or cannot be read
    │   ├── InvalidModuleError  a module path, version or file name breaks a Go rule (ValueError)
    │   ├── ModuleSourceError   a module directory, txtar archive, module cache or snapshot
    │   │   │                   cannot be read
    │   │   └── RecordError     `record` could not download the project's module closure
    │   └── ModuleZipError      files that can't go into a module zip (size, symlink, collisions)
    ├── UsageError              what was asked for is not possible (ValueError)
    │   ├── FaultError          an unknown fault or a bad fault parameter
    │   ├── ConfigError         an unknown configuration or a bad configuration value
    │   ├── ScenarioError       a scenario file that can't be read or breaks the format
    │   ├── ReportFormatError   an unknown report format, or report JSON that is not a matrix
    │   ├── ProbeError          go settings the probe can't use (malformed GOPROXY/GOSUMDB, a
    │   │                       module outside GOPROXY, go env failing)
    │   ├── GoProjectError      a Go project can't be made or copied
    │   └── ChecksumDBError     the fake checksum database was asked for something it can't do
    ├── ToolUnavailable         a program the plugin drives is missing or will not start: what
    │   │                       the `unavailable` verdict means (a skip, or an error in CI)
    │   ├── GoNotFoundError     no usable ``go`` binary
    │   ├── ToxiproxyError      the toxiproxy server can't be found, built, started or reached
    │   ├── RelayError          nginx (the caching relay) can't be found, configured or started
    │   └── NamespaceUnavailable  go can't run in a private mount namespace with the fake
    │                           resolver (no unshare, no right to it, or port 53 not ours)
    └── ScenarioFailed          a scenario ran and did not do what its file expects
                                (AssertionError; the message is the whole account)

The messages name the rule that was broken and, where there is one, the fix.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = [
    "ChecksumDBError",
    "ConfigError",
    "FaultError",
    "GoNotFoundError",
    "GoProjectError",
    "GoProxyError",
    "InvalidModuleError",
    "ModuleError",
    "ModuleSourceError",
    "ModuleZipError",
    "NamespaceUnavailable",
    "ProbeError",
    "RecordError",
    "RelayError",
    "ReportFormatError",
    "ScenarioError",
    "ScenarioFailed",
    "ToolUnavailable",
    "ToxiproxyError",
    "UsageError",
    "user_facing",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")


class GoProxyError(Exception):
    """Base class of every error pytest-goproxy raises on purpose."""


# -- module errors ---------------------------------------------------------------------------------


class ModuleError(GoProxyError):
    """Module data that breaks a Go rule or cannot be read."""


class InvalidModuleError(ModuleError, ValueError):
    """A module path, version or file path breaks a rule of golang.org/x/mod/module."""


class ModuleSourceError(ModuleError):
    """A module source (directory, txtar archive, module cache, snapshot) is missing or
    malformed."""


class RecordError(ModuleSourceError):
    """``record`` could not download the project's module closure (go's output is in the
    message)."""


class ModuleZipError(ModuleError):
    """Files that golang.org/x/mod/zip would refuse to put into a module zip."""


# -- usage errors ---------------------------------------------------------------------------------


class UsageError(GoProxyError, ValueError):
    """What was asked for is not possible: a bad name, parameter, file or request."""


class FaultError(UsageError):
    """An unknown fault name or an invalid fault parameter."""


class ConfigError(UsageError):
    """An unknown configuration name or an invalid configuration value."""


class ScenarioError(UsageError):
    """A scenario file that cannot be read or breaks the format; the message names the file,
    the field and the allowed values."""


class ReportFormatError(UsageError):
    """An unknown report format (the message lists the known ones), or report JSON that is not
    a list of matrix cells."""


class ProbeError(UsageError):
    """Probe input that cannot be used: a malformed GOPROXY or GOSUMDB, a module that goes
    around the proxies, ``go env`` failing, or an observation a scenario cannot reproduce."""


class GoProjectError(UsageError):
    """A Go project could not be created or copied (e.g. a directory without go.mod)."""


class ChecksumDBError(UsageError):
    """The fake checksum database cannot do what was asked."""


# -- tools unavailable ----------------------------------------------------------------------------


class ToolUnavailable(GoProxyError):
    """A program the plugin drives (go, toxiproxy, nginx) is missing or will not start.

    Under pytest such a test is skipped on a developer's machine and fails in CI
    (:func:`pytest_goproxy.ci.skip_or_fail`); a matrix cell or scenario is ``unavailable``."""


class GoNotFoundError(ToolUnavailable):
    """No ``go`` binary could be found or run."""


class ToxiproxyError(ToolUnavailable):
    """The toxiproxy server could not be found, built, started or reached."""


class RelayError(ToolUnavailable):
    """nginx could not be found, configured, started or reloaded."""


class NamespaceUnavailable(ToolUnavailable):
    """go cannot meet the fake resolver here: ``unshare`` is missing, this process may not make
    a private mount namespace (neither root nor unprivileged user namespaces), or it may not
    bind port 53 (or 443) on a loopback address. The message says which and what to do; a
    matrix cell with a resolver fault is then ``unavailable`` with it."""


# -- checks that failed --------------------------------------------------------------------------


class ScenarioFailed(GoProxyError, AssertionError):
    """A scenario ran and did not do what its file expects (the message is the whole account:
    expected, got, why, go's stderr tail)."""


def user_facing(
    errors: type[GoProxyError] = GoProxyError,
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate a method a test calls (``add_module``, ...): its ``errors`` are raised from the
    test's own line.

    The message names what is wrong and the rule it breaks; the frames below (a store, a zip
    writer, path checks, git plumbing) add nothing a test author can act on, and pytest would
    show them before the message. ``__tracebackhide__`` hides the wrapper and the callers in the
    plugin. Other exceptions (a bug of ours) keep their whole traceback.
    """

    def decorate(method: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(method)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            __tracebackhide__ = True
            try:
                return method(*args, **kwargs)
            except errors as exc:
                raise exc.with_traceback(None)  # noqa: B904  (the same exception, no frames)

        return wrapper

    return decorate
