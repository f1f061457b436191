"""The public names of :mod:`pytest_goproxy.httpfaults`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.httpfaults.catalogue import ALL_KINDS as ALL_KINDS
from pytest_goproxy.httpfaults.catalogue import HTTP_FAULTS as HTTP_FAULTS
from pytest_goproxy.httpfaults.catalogue import SELECTOR_PARAMS as SELECTOR_PARAMS
from pytest_goproxy.httpfaults.catalogue import HTTPFault as HTTPFault
from pytest_goproxy.httpfaults.catalogue import HTTPFaultSpec as HTTPFaultSpec
from pytest_goproxy.httpfaults.catalogue import Selection as Selection
from pytest_goproxy.httpfaults.catalogue import URLParam as URLParam
from pytest_goproxy.httpfaults.catalogue import get_http_fault as get_http_fault
from pytest_goproxy.httpfaults.catalogue import http_fault_names as http_fault_names
from pytest_goproxy.httpfaults.catalogue import (
    http_fault_table_markdown as http_fault_table_markdown,
)
from pytest_goproxy.httpfaults.engine import HOP_QUERY as HOP_QUERY
from pytest_goproxy.httpfaults.engine import HTTPFaultHandle as HTTPFaultHandle
from pytest_goproxy.httpfaults.engine import HTTPFaults as HTTPFaults
