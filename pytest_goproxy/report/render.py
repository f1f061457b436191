"""The former single module of every rendering, kept so that
``from pytest_goproxy.report.render import ...`` still works. New code imports from
:mod:`pytest_goproxy.report`, whose modules each hold one rendering."""

from __future__ import annotations

from pytest_goproxy import report as _report
from pytest_goproxy.errors import ReportFormatError
from pytest_goproxy.report import *  # noqa: F403

__all__ = [*_report.__all__, "ReportFormatError"]
