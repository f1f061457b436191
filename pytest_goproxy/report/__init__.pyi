"""The public names of :mod:`pytest_goproxy.report`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.report.cells import VERDICTS as VERDICTS
from pytest_goproxy.report.cells import cell_label as cell_label
from pytest_goproxy.report.files import FORMATS as FORMATS
from pytest_goproxy.report.files import parse_formats as parse_formats
from pytest_goproxy.report.files import write_reports as write_reports
from pytest_goproxy.report.html import ScenarioRow as ScenarioRow
from pytest_goproxy.report.html import scenarios_html as scenarios_html
from pytest_goproxy.report.html import to_html as to_html
from pytest_goproxy.report.jsonfile import cells_from_json as cells_from_json
from pytest_goproxy.report.jsonfile import to_json as to_json
from pytest_goproxy.report.markdown import to_markdown as to_markdown
from pytest_goproxy.report.svg import to_svg as to_svg
from pytest_goproxy.report.terminal import MatrixProgress as MatrixProgress
from pytest_goproxy.report.terminal import render_table as render_table
from pytest_goproxy.report.terminal import render_text as render_text
