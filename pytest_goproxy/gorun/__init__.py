"""The hermetic runner for the real ``go`` command and the classification of what went wrong.

``GoRunner`` runs go with an environment built from nothing (see
:mod:`pytest_goproxy.gorun.environment`), a loopback network guard (:mod:`~.guard`) and a hard
timeout that kills the whole process group (:mod:`~.process`); ``GoResult`` tells what happened and
``classify`` names the failure (:mod:`~.failure`); :mod:`~.outcome` turns a result into a
verdict and the error line that matters.
"""

from __future__ import annotations

from pytest_goproxy.gorun.binary import GoBinary, find_go
from pytest_goproxy.gorun.cache import ModuleCache
from pytest_goproxy.gorun.environment import PASSTHROUGH, build_env
from pytest_goproxy.gorun.failure import Classification, Failure, classify
from pytest_goproxy.gorun.guard import Escape, NetworkGuard
from pytest_goproxy.gorun.outcome import VERDICTS, Verdict, error_line, verdict_of
from pytest_goproxy.gorun.project import GoProject
from pytest_goproxy.gorun.result import GoResult
from pytest_goproxy.gorun.runner import DEFAULT_TIMEOUT, GoRunner

__all__ = [
    "DEFAULT_TIMEOUT",
    "PASSTHROUGH",
    "VERDICTS",
    "Classification",
    "Escape",
    "Failure",
    "GoBinary",
    "GoProject",
    "GoResult",
    "GoRunner",
    "ModuleCache",
    "NetworkGuard",
    "Verdict",
    "build_env",
    "classify",
    "error_line",
    "find_go",
    "verdict_of",
]
