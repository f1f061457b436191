# Shared set-up of .ci/run and scripts/quickstart.sh; source it from the repository root.
# Needs only Go and Python 3.10+ on the machine. Creates the virtualenv "$VENV" (default .venv),
# installs pytest-goproxy with its test extras, builds toxiproxy once (cached in .ci-cache) and,
# when this shell may install system packages, nginx for the `relay` configuration (without it,
# `relay` cells are reported unavailable, never passed) and Chromium for the HTML report's
# browser test.
set -euo pipefail

if ! command -v go >/dev/null 2>&1; then
    echo "setup: the go command is not on PATH; pytest-goproxy needs the real go" >&2
    exit 1
fi

VENV="${VENV:-.venv}"
echo "setup: virtualenv $VENV with pytest-goproxy[test]" >&2
python3 -m venv "$VENV"
# shellcheck disable=SC1091
source "$VENV/bin/activate"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e '.[test]'

echo "setup: toxiproxy (built once with go install, cached in .ci-cache)" >&2
TOXIPROXY_BIN="$(pytest-goproxy install-toxiproxy --dir "$PWD/.ci-cache/toxiproxy")"
export TOXIPROXY_BIN

# System packages: nginx (the relay configuration) and Chromium (the HTML report's browser
# test, which a CI run fails without). One apt-get update for both, and only when one is missing.
missing=()
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    missing+=(nginx)
fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    missing+=(chromium)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: ${missing[*]} from the system packages" >&2
        apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "setup: no root to install ${missing[*]}: relay cells will be unavailable without" \
            "nginx, and the HTML report's browser test is skipped without chromium" >&2
    fi
fi
