"""The user's trust corrections: one row per sender, replaced, cleared, validated."""

import pytest

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.trust.overrides import (
    InvalidOverride,
    all_overrides,
    clear_override,
    get_override,
    set_override,
)


def test_an_override_is_set_replaced_and_cleared(engine):
    with write_tx(engine) as conn:
        set_override(conn, "pharma-deals.example", "spam", "rated bad: spam", source="rating")
    with write_tx(engine) as conn:
        set_override(conn, "pharma-deals.example", "legitimate", "my pharmacist", source="cli")
    with read_tx(engine) as conn:
        row = get_override(conn, "pharma-deals.example")
        assert (row["verdict"], row["reason"], row["source"]) == (
            "legitimate",
            "my pharmacist",
            "cli",
        )
        assert row["updated_at"] is not None
        assert list(all_overrides(conn)) == ["pharma-deals.example"]
    with write_tx(engine) as conn:
        assert clear_override(conn, "pharma-deals.example") is True
        assert clear_override(conn, "pharma-deals.example") is False
    with read_tx(engine) as conn:
        assert get_override(conn, "pharma-deals.example") is None


def test_an_unknown_verdict_is_refused_with_the_valid_ones(engine):
    with write_tx(engine) as conn, pytest.raises(InvalidOverride, match="phishing"):
        set_override(conn, "acme.io", "trusted")
