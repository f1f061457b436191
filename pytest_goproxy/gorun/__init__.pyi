"""The public names of :mod:`pytest_goproxy.gorun`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.gorun.binary import GoBinary as GoBinary
from pytest_goproxy.gorun.binary import find_go as find_go
from pytest_goproxy.gorun.cache import ModuleCache as ModuleCache
from pytest_goproxy.gorun.environment import PASSTHROUGH as PASSTHROUGH
from pytest_goproxy.gorun.environment import build_env as build_env
from pytest_goproxy.gorun.failure import Classification as Classification
from pytest_goproxy.gorun.failure import Failure as Failure
from pytest_goproxy.gorun.failure import TLSProblem as TLSProblem
from pytest_goproxy.gorun.failure import classify as classify
from pytest_goproxy.gorun.guard import Escape as Escape
from pytest_goproxy.gorun.guard import NetworkGuard as NetworkGuard
from pytest_goproxy.gorun.guard import Routed as Routed
from pytest_goproxy.gorun.namespace import NamespaceResolver as NamespaceResolver
from pytest_goproxy.gorun.namespace import check_namespace as check_namespace
from pytest_goproxy.gorun.namespace import namespace_unavailable as namespace_unavailable
from pytest_goproxy.gorun.project import GoProject as GoProject
from pytest_goproxy.gorun.result import GoResult as GoResult
from pytest_goproxy.gorun.runner import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from pytest_goproxy.gorun.runner import GoRunner as GoRunner
from pytest_goproxy.gorun.verdict import VERDICTS as VERDICTS
from pytest_goproxy.gorun.verdict import Verdict as Verdict
from pytest_goproxy.gorun.verdict import error_line as error_line
from pytest_goproxy.gorun.verdict import verdict_of as verdict_of
