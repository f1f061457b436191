"""The HTML report without a browser: every cell in the grid and in its own section, each
detail in its section, everything escaped, nothing loaded from anywhere, and the details
surviving a JSON round trip (so the page can be made again from ``matrix.json``).

The page in a real browser (the filters' script, a screenshot) is test_report_browser.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from pytest_goproxy.outage import Cell, CellDetails
from pytest_goproxy.outage.cell import EndpointSeen, FaultPlayed
from pytest_goproxy.report import (
    ScenarioRow,
    cells_from_json,
    scenarios_html,
    to_html,
    to_json,
)
from pytest_goproxy.report.cells import MatrixInfo

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "matrix.json"

DETAILS = CellDetails(
    command=("mod", "tidy"),
    env={"GOPROXY": "http://127.0.0.1:1,http://127.0.0.1:2", "GOSUMDB": "sumdb.goproxy.test+x"},
    faults=(FaultPlayed("primary", "status", "http", {"code": 502, "times": 0}),),
    endpoints=(
        EndpointSeen(
            "primary",
            "proxy",
            "http://127.0.0.1:1",
            75,
            3,
            ("GET /example.test/lib/@v/list 502 (faulted)", "GET /a/<b>&c 200"),
        ),
        EndpointSeen("sumdb", "sumdb", "http://127.0.0.1:3", 0),
    ),
    stderr=("go: example.test/lib@v1.0.0: reading <url>: 502 Bad Gateway",),
)

CELLS = [
    Cell("none", "single", "recovered", None, 1.2, None),
    Cell(
        "status",
        "comma_backup",
        "failed",
        "HTTP_STATUS",
        0.4,
        "reading http://127.0.0.1:1/example.test/lib/@v/list: 502 Bad Gateway",
        ("a note <b>",),
        DETAILS,
    ),
    Cell("<script>alert(1)</script>", "single", "hung", None, 10.0, "x & y"),
    Cell("none", "relay", "unavailable", None, 0.0, "nginx is not installed"),
]


class Page(HTMLParser):
    """Tags with their attributes, in document order, and the text; enough to find a cell."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, tag: str, cls: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and cls in (a.get("class") or "").split()]


def section_text(html: str, cell_id: str) -> str:
    found = re.search(rf'<section class="cell[^"]*" id="{cell_id}".*?</section>', html, re.S)
    assert found, cell_id
    return found.group(0)


def test_every_cell_is_in_the_grid_and_has_its_section() -> None:
    html = to_html(CELLS, title="m", info=MatrixInfo("app", ("mod", "tidy"), "go1.26", "today"))
    page = Page(html)
    grid = page.having("td", "gridcell")
    sections = page.having("section", "cell")
    # 3 faults x 3 configs: 4 cells, 5 pairs not run
    assert len(grid) == 9 and len([g for g in grid if "data-verdict" in g]) == 4
    assert [(s["data-fault"], s["data-config"], s["data-verdict"]) for s in sections] == [
        (c.fault, c.config, c.verdict) for c in CELLS
    ]
    links = {a["href"] for t, a in page.tags if t == "a" and (a.get("href") or "").startswith("#")}
    assert links == {f"#{s['id']}" for s in sections}
    assert "go mod tidy in app, fault on the primary proxy" in html
    assert "{primary},{backup}" in html  # comma_backup's GOPROXY shape heads its column


def test_a_cell_section_shows_what_explains_it() -> None:
    html = to_html(CELLS)
    failed = section_text(html, "cell-1")
    for wanted in (
        "failure class",
        "HTTP_STATUS 502",
        "0.4s",
        "go mod tidy",
        "GOPROXY",
        "http://127.0.0.1:1,http://127.0.0.1:2",
        "code=502, times=0",
        "requests each endpoint saw",
        "GET /example.test/lib/@v/list 502 (faulted)",
        "reading &lt;url&gt;: 502 Bad Gateway",
        "a note &lt;b&gt;",
    ):
        assert wanted in failed, wanted
    # a cell that kept no details says so, and shows the configuration's template instead
    recovered = section_text(html, "cell-0")
    assert "kept no details" in recovered and "{primary}" in recovered
    assert "nginx is not installed" in section_text(html, "cell-3")


def test_everything_is_escaped_and_nothing_is_fetched() -> None:
    html = to_html(CELLS, title="<i>t</i>")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<i>t</i>" not in html
    page = Page(html)
    assert [t for t, a in page.tags if t == "script" and a.get("src")] == []
    assert [t for t, a in page.tags if t == "link"] == []
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "url(" not in html and "@import" not in html
    assert "default-src 'none'" in html  # the browser is told, too


def test_the_filters_start_hidden_so_the_page_reads_without_javascript() -> None:
    page = Page(to_html(CELLS))
    [form] = [a for t, a in page.tags if t == "form"]
    assert "hidden" in form
    boxes = [a for t, a in page.tags if t == "input"]
    assert {(b["name"], b["value"]) for b in boxes} == {
        ("verdict", "recovered"),
        ("verdict", "failed"),
        ("verdict", "hung"),
        ("verdict", "unavailable"),
        ("config", "single"),
        ("config", "comma_backup"),
        ("config", "relay"),
    }
    # nothing is hidden by the page itself: the script does it
    assert [a for t, a in page.tags if "hidden" in a and t != "form"] == []


def test_details_survive_the_json_file() -> None:
    back = cells_from_json(to_json(CELLS))
    assert [c.details for c in back] == [c.details for c in CELLS]
    assert back[1].notes == ("a note <b>",)
    assert to_html(back) == to_html(CELLS)
    # the six keys alone, as before, when asked
    assert "details" not in to_json(CELLS, details=False)


def test_the_example_matrix_renders_every_cell() -> None:
    cells = cells_from_json(EXAMPLE.read_text(encoding="utf-8"))
    page = Page(to_html(cells))
    assert len(page.having("section", "cell")) == len(cells)
    assert len([g for g in page.having("td", "gridcell") if "data-verdict" in g]) == len(cells)


def test_scenario_results_page() -> None:
    rows = [
        ScenarioRow("truncated_zip", CELLS[1], "failed (HTTP_STATUS)", True, file="a.toml"),
        ScenarioRow(
            "wrong",
            CELLS[0],
            "failed (DNS)",
            False,
            mismatch="expected failed, got recovered",
            why=("GOPROXY=x",),
        ),
    ]
    html = scenarios_html(rows, caption="go1.26, today")
    page = Page(html)
    assert [s["id"] for s in page.having("section", "cell")] == ["cell-0", "cell-1"]
    assert "2 scenario(s): 1 as expected, 1 not." in html
    wrong = section_text(html, "cell-1")
    assert "MISMATCH" in wrong and "expected failed, got recovered" in wrong
    assert "GOPROXY=x" in wrong
    assert "a.toml" in section_text(html, "cell-0")
    assert "fault on the primary" not in html  # a scenario's faults sit where its file says
