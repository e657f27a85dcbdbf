"""SQLite connections keep few prepared statements: memory stays flat however
many differently-sized batches a long import or stage sends."""

import _sqlite3
import ctypes

import pytest
from sqlalchemy import text

from inboxmine.db.engine import make_engine


def _sqlite_memory_used():
    try:
        lib = ctypes.CDLL(_sqlite3.__file__)
        function = lib.sqlite3_memory_used
    except (OSError, AttributeError):
        pytest.skip("this Python's sqlite3 module does not expose sqlite3_memory_used")
    function.restype = ctypes.c_int64
    return function


def test_batches_of_every_size_do_not_pile_up_prepared_statements(tmp_path):
    memory_used = _sqlite_memory_used()
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    columns = 20
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE t ({', '.join(f'c{i} TEXT' for i in range(columns))})"))
    before = memory_used()
    with engine.begin() as conn:
        # A hundred multi-row inserts, each of another length: a hundred statements.
        for rows in range(100, 200):
            row = "(" + ", ".join("?" for _ in range(columns)) + ")"
            conn.exec_driver_sql(
                f"INSERT INTO t VALUES {', '.join([row] * rows)}", tuple(["x"] * columns * rows)
            )
    grown_mb = (memory_used() - before) / 2**20
    # The driver's default cache (128 statements) keeps ~37 MB of them here.
    assert grown_mb < 15, f"SQLite holds {grown_mb:.0f} MB after 100 batch statements"
    engine.dispose()
