"""The hermetic runner for the real ``go`` command and the classification of what went wrong.

``GoRunner`` runs go with an environment built from nothing (see
:mod:`pytest_goproxy.gorun.environment`), a loopback network guard (:mod:`~.guard`) and a hard
timeout that kills the whole process group (:mod:`~.process`); ``GoResult`` tells what happened and
``classify`` names the failure (:mod:`~.failure`); :mod:`~.verdict` turns a result into a
verdict and the error line that matters.
"""

from __future__ import annotations

from pytest_goproxy.exports import stub_exports

__getattr__, __dir__, __all__ = stub_exports(__name__, __file__)
