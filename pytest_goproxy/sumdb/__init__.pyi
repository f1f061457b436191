"""The public names of :mod:`pytest_goproxy.sumdb`, each written once; the
``__init__.py`` beside this stub loads them lazily (see :mod:`pytest_goproxy.exports`)."""

from pytest_goproxy.sumdb.note import Signer as Signer
from pytest_goproxy.sumdb.note import Verifier as Verifier
from pytest_goproxy.sumdb.note import generate_key as generate_key
from pytest_goproxy.sumdb.note import open_note as open_note
from pytest_goproxy.sumdb.note import sign_note as sign_note
from pytest_goproxy.sumdb.server import DEFAULT_NAME as DEFAULT_NAME
from pytest_goproxy.sumdb.server import ChecksumDB as ChecksumDB
from pytest_goproxy.sumdb.server import GoSumSource as GoSumSource
from pytest_goproxy.sumdb.server import Misbehaviour as Misbehaviour
from pytest_goproxy.sumdb.server import SumDBRequest as SumDBRequest
from pytest_goproxy.sumdb.server import make_record as make_record
