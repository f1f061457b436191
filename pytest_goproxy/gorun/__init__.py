"""The hermetic runner for the real ``go`` command and the classification of what went wrong.

``GoRunner`` runs go with an environment built from nothing (see
:mod:`pytest_goproxy.gorun.environment`), a loopback network guard (:mod:`~.guard`) and a hard
timeout that kills the whole process group (:mod:`~.process`); ``GoResult`` tells what happened and
``classify`` names the failure (:mod:`~.failure`); :mod:`~.outcome` turns a result into a
verdict and the error line that matters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_goproxy.exports import lazy_exports

if TYPE_CHECKING:
    from pytest_goproxy.gorun.binary import GoBinary as GoBinary
    from pytest_goproxy.gorun.binary import find_go as find_go
    from pytest_goproxy.gorun.cache import ModuleCache as ModuleCache
    from pytest_goproxy.gorun.environment import PASSTHROUGH as PASSTHROUGH
    from pytest_goproxy.gorun.environment import build_env as build_env
    from pytest_goproxy.gorun.failure import Classification as Classification
    from pytest_goproxy.gorun.failure import Failure as Failure
    from pytest_goproxy.gorun.failure import TLSError as TLSError
    from pytest_goproxy.gorun.failure import classify as classify
    from pytest_goproxy.gorun.guard import Escape as Escape
    from pytest_goproxy.gorun.guard import NetworkGuard as NetworkGuard
    from pytest_goproxy.gorun.guard import Routed as Routed
    from pytest_goproxy.gorun.outcome import VERDICTS as VERDICTS
    from pytest_goproxy.gorun.outcome import Verdict as Verdict
    from pytest_goproxy.gorun.outcome import error_line as error_line
    from pytest_goproxy.gorun.outcome import verdict_of as verdict_of
    from pytest_goproxy.gorun.project import GoProject as GoProject
    from pytest_goproxy.gorun.result import GoResult as GoResult
    from pytest_goproxy.gorun.runner import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
    from pytest_goproxy.gorun.runner import GoRunner as GoRunner

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "binary": ("GoBinary", "find_go"),
        "cache": ("ModuleCache",),
        "environment": ("PASSTHROUGH", "build_env"),
        "failure": ("Classification", "Failure", "TLSError", "classify"),
        "guard": ("Escape", "NetworkGuard", "Routed"),
        "outcome": ("VERDICTS", "Verdict", "error_line", "verdict_of"),
        "project": ("GoProject",),
        "result": ("GoResult",),
        "runner": ("DEFAULT_TIMEOUT", "GoRunner"),
    },
)
