"""``python -m pytest_goproxy.cli``: the same as the ``pytest-goproxy`` command."""

import sys

from pytest_goproxy.cli.main import main

sys.exit(main())
