"""The public names of :mod:`pytest_goproxy.origin`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.origin.layout import ModuleLayout as ModuleLayout
from pytest_goproxy.origin.layout import layout_of as layout_of
from pytest_goproxy.origin.log import OriginRequest as OriginRequest
from pytest_goproxy.origin.log import OriginRequestKind as OriginRequestKind
from pytest_goproxy.origin.mirror import module_hosts as module_hosts
from pytest_goproxy.origin.mirror import origin_of_store as origin_of_store
from pytest_goproxy.origin.server import FakeOrigin as FakeOrigin
from pytest_goproxy.origin.server import OriginVersion as OriginVersion
