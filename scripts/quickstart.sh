#!/usr/bin/env bash
# The two-command quickstart (README): on a machine with only Go and Python,
#   bash scripts/quickstart.sh matrix   the outage matrix of the bundled example, as a table
#   bash scripts/quickstart.sh test     the test suite
# Each sets itself up first (virtualenv, package, toxiproxy, nginx where it can).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
    matrix)
        shift
        # shellcheck disable=SC1091
        source scripts/setup.sh
        pytest-goproxy matrix --out matrix-report "$@"
        ;;
    test)
        shift
        # shellcheck disable=SC1091
        source scripts/setup.sh
        python -m pytest -n 2 "$@"
        ;;
    *)
        echo "usage: bash scripts/quickstart.sh matrix|test [extra arguments]" >&2
        exit 2
        ;;
esac
