#!/usr/bin/env bash
# Smoke test of what users install: build the wheel, install it into a fresh virtualenv outside
# the checkout, and from an empty directory run what README sends a new user to first:
#   README's first test (copied from README.md at run time), the CI recipes' pytest command on the
#   example suite (examples/tests), `pytest-goproxy matrix` on a small
#   fault/configuration subset with the bundled example as the CI recipes run it (--out reports,
#   --expect), `pytest-goproxy run --html` (the bundled scenario library) and
#   `pytest-goproxy --version`.
# The main suite imports the source tree; this catches what only the wheel lacks (package data).
#
#   bash scripts/smoke_installed.sh [WHEEL]
#
# Needs go, and toxiproxy in TOXIPROXY_BIN (scripts/setup.sh exports it; without it the plugin
# builds one). Takes about three minutes, most of it the bundled scenarios (two deliberate hangs and
# a 30 s dial timeout).
set -euo pipefail
checkout="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/pytest-goproxy-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
step() { echo "smoke: $*" >&2; }

wheel="${1:-}"
if [ -z "$wheel" ]; then
    step "building the wheel"
    python3 -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$checkout"
    wheel="$(ls "$work"/dist/pytest_goproxy-*.whl)"
fi
wheel="$(cd "$(dirname "$wheel")" && pwd)/$(basename "$wheel")"

step "a fresh virtualenv outside the checkout, with $(basename "$wheel")"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet "$wheel"
bin="$work/venv/bin"

empty="$work/empty"
mkdir "$empty"
cd "$empty"
unset PYTHONPATH
export PATH="$bin:$PATH"

# The package must come from the virtualenv, never from the checkout.
where="$("$bin/python" -c 'import pytest_goproxy; print(pytest_goproxy.__file__)')"
case "$where" in
    "$work/venv/"*) ;;
    *)
        echo "smoke: pytest_goproxy imported from $where, not from the installed wheel" >&2
        exit 1
        ;;
esac

step "pytest-goproxy --version"
version="$("$bin/pytest-goproxy" --version)"
echo "$version"
expected="pytest-goproxy $("$bin/python" -c 'import importlib.metadata as m; print(m.version("pytest-goproxy"))')"
if [ "$version" != "$expected" ]; then
    echo "smoke: --version printed '$version', expected '$expected'" >&2
    exit 1
fi

step "README's first test, copied from README.md"
# The first ```python block after the "## A first test" heading.
awk '
    /^## A first test/ { section = 1; next }
    section && /^```python/ { block = 1; next }
    block && /^```/ { exit }
    block { print }
' "$checkout/README.md" >test_readme_first.py
if ! grep -q '^def test_' test_readme_first.py; then
    echo "smoke: no test found under README's '## A first test'" >&2
    exit 1
fi
"$bin/python" -m pytest -p no:cacheprovider -q test_readme_first.py
rm test_readme_first.py

step "the CI recipes' test command on the example suite (examples/tests, copied here)"
cp -r "$checkout/examples/tests" tests
python -m pytest -m network_faults -ra --junitxml=reports/outages.xml -p no:cacheprovider
grep -q '<testcase ' reports/outages.xml
rm -rf tests

step "pytest-goproxy matrix (the bundled example) as the CI recipes run it: reports and the gate"
cells=(--faults refused --configs single,pipe_backup --timeout 20)
"$bin/pytest-goproxy" matrix "${cells[@]}" --out reports/matrix --expect expected.json --update-expect
"$bin/pytest-goproxy" matrix "${cells[@]}" --expect expected.json
for report in matrix.html matrix.json matrix.md matrix.svg matrix.txt; do
    if [ ! -s "reports/matrix/$report" ]; then
        echo "smoke: matrix --out did not write $report" >&2
        exit 1
    fi
done

step "pytest-goproxy run (the bundled scenario library), with its HTML page"
"$bin/pytest-goproxy" run --html reports/run.html
grep -q '<section class="cell' reports/run.html
rm -rf reports expected.json

step "ok: the installed wheel works from an empty directory"
