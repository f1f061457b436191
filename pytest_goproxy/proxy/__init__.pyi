"""The public names of :mod:`pytest_goproxy.proxy`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.proxy.godev import GoDevToolchains as GoDevToolchains
from pytest_goproxy.proxy.server import FakeGoProxy as FakeGoProxy
from pytest_goproxy.proxy.server import SumDBHandler as SumDBHandler
from pytest_goproxy.serving.requestlog import ProxyRequest as ProxyRequest
from pytest_goproxy.serving.requestlog import RequestKind as RequestKind
