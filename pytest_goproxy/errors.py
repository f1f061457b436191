"""Errors a user of pytest-goproxy can meet, each saying what to do next.

Every error the plugin raises on purpose derives from :class:`GoProxyError`, so a test suite can
catch them all in one place. The hierarchy::

    GoProxyError
    ├── InvalidModuleError      a module path, version or file name breaks a Go rule (ValueError)
    ├── ModuleSourceError       a module directory, txtar archive or module cache can't be read
    ├── ModuleZipError          files that can't go into a module zip (size, symlink, collisions)
    ├── GoNotFoundError         no usable ``go`` binary
    ├── GoProjectError          a Go project can't be made or copied
    ├── ToxiproxyError          the toxiproxy server can't be found, built, started or reached
    ├── FaultError              an unknown fault or a bad fault parameter (also ValueError)
    ├── ConfigError             an unknown configuration or a bad configuration value (ValueError)
    ├── ScenarioError           a scenario file that can't be read or breaks the format (ValueError)
    ├── ReportFormatError       an unknown report format (ValueError)
    ├── RelayError              nginx (the caching relay) can't be found, configured or started
    ├── ProbeError              go settings probe can't use (malformed GOPROXY/GOSUMDB, a module
    │                           outside GOPROXY, go env failing) (ValueError)
    └── ChecksumDBError         the fake checksum database was asked for something it can't do

The messages name the rule that was broken and, where there is one, the fix.
"""

from __future__ import annotations

__all__ = [
    "ChecksumDBError",
    "ConfigError",
    "FaultError",
    "GoNotFoundError",
    "GoProjectError",
    "GoProxyError",
    "InvalidModuleError",
    "ModuleSourceError",
    "ModuleZipError",
    "ProbeError",
    "RelayError",
    "ReportFormatError",
    "ScenarioError",
    "ToxiproxyError",
]


class GoProxyError(Exception):
    """Base class of every error pytest-goproxy raises on purpose."""


class InvalidModuleError(GoProxyError, ValueError):
    """A module path, version or file path breaks a rule of golang.org/x/mod/module."""


class ModuleSourceError(GoProxyError):
    """A module source (directory, txtar archive, module cache) is missing or malformed."""


class ModuleZipError(GoProxyError):
    """Files that golang.org/x/mod/zip would refuse to put into a module zip."""


class GoNotFoundError(GoProxyError):
    """No ``go`` binary could be found or run."""


class GoProjectError(GoProxyError):
    """A Go project could not be created or copied."""


class ToxiproxyError(GoProxyError):
    """The toxiproxy server could not be found, built, started or reached."""


class FaultError(GoProxyError, ValueError):
    """An unknown fault name or an invalid fault parameter."""


class ConfigError(GoProxyError, ValueError):
    """An unknown configuration name or an invalid configuration value."""


class ScenarioError(GoProxyError, ValueError):
    """A scenario file that cannot be read or breaks the format; the message names the file,
    the field and the allowed values."""


class ReportFormatError(GoProxyError, ValueError):
    """An unknown report format was asked for (the message lists the known ones)."""


class ProbeError(GoProxyError, ValueError):
    """Probe input that cannot be used: a malformed GOPROXY or GOSUMDB, a module that goes
    around the proxies, ``go env`` failing, or an observation a scenario cannot reproduce."""


class RelayError(GoProxyError):
    """nginx could not be found, configured, started or reloaded."""


class ChecksumDBError(GoProxyError):
    """The fake checksum database cannot do what was asked."""
