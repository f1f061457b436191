"""The public names of :mod:`pytest_goproxy.outage`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.outage.cell import Cell as Cell
from pytest_goproxy.outage.cell import CellDetails as CellDetails
from pytest_goproxy.outage.endpoints import EndpointPlan as EndpointPlan
from pytest_goproxy.outage.endpoints import Endpoints as Endpoints
from pytest_goproxy.outage.endpoints import private_pattern as private_pattern
from pytest_goproxy.outage.engine import DEFAULT_COMMAND as DEFAULT_COMMAND
from pytest_goproxy.outage.engine import Outage as Outage
from pytest_goproxy.outage.engine import OutageEngine as OutageEngine
from pytest_goproxy.outage.engine import Outcome as Outcome
from pytest_goproxy.outage.engine import config_endpoints as config_endpoints
from pytest_goproxy.outage.faults import NO_FAULT as NO_FAULT
from pytest_goproxy.outage.faults import BoundFault as BoundFault
from pytest_goproxy.outage.faults import all_fault_names as all_fault_names
from pytest_goproxy.outage.faults import bind_fault as bind_fault
from pytest_goproxy.outage.faults import check_fault_names as check_fault_names
from pytest_goproxy.outage.procedures import PROCEDURES as PROCEDURES
from pytest_goproxy.outage.procedures import attempt_limit as attempt_limit
