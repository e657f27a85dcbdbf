"""A messy folder of spam and phishing (.eml tree) through import and stages 1-6, via the CLI.

The acceptance of issues 2 and 3 imports ~8,000 real messy .eml files:
every file accounted for, and stages 1-3 with under 0.5% of messages in
item_errors and no failed run. tests/messy_mail.py builds a corpus broken
the same ways (see its docstring); this test holds the pipeline to it on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from tests.messy_mail import build_messy_corpus, eml_entries
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import make_engine
from inboxmine.db.tables.content import parsed_content
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.ledger import item_errors, pipeline_runs
from inboxmine.db.tables.metadata_stage import parsed_metadata

FILES = 2500
#: The acceptance bar: messages of a stage run in item_errors.
MAX_ERROR_RATE = 0.005
#: Files that hold no email (or were cut inside their first header): the only
#: ones allowed to be "unparseable".
NOT_MAIL = {"zero_bytes", "jpeg_renamed", "whitespace_only", "body_only", "truncated"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_messy_corpus(tmp_path_factory.mktemp("messy") / "mail", files=FILES, seed=14)


def cli(url: str, *args: str):
    result = CliRunner().invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, result.output
    return result


def test_a_messy_spam_folder_is_accounted_for_and_stages_complete(
    corpus, settings, db_url, monkeypatch
):
    # Rules-only entities: spaCy NER has its own tests and costs ~25 ms a message.
    monkeypatch.setenv("INBOXMINE_ENTITIES__USE_SPACY", "false")
    files = eml_entries(corpus.root)
    assert len(files) == len(corpus.files) >= FILES - 5

    out = cli(db_url, "ingest", "eml", str(corpus.root), "--json").stdout
    summary = json.loads(out.strip().splitlines()[-1])
    # Every file: stored (unparseable ones too), a duplicate, or unreadable.
    assert summary["read"] == len(files)
    assert summary["stored"] + summary["duplicates"] + summary["unreadable"] == len(files)
    assert summary["unreadable"] == corpus.unreadable == 1
    assert corpus.copies <= summary["duplicates"] <= corpus.copies + corpus.not_email

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                select(messages.c.source_position, messages.c.parse_error).where(
                    messages.c.source_kind == "eml"
                )
            ).all()
            errors = conn.execute(
                select(item_errors.c.stage, item_errors.c.item_id, item_errors.c.error)
            ).all()
        assert len(stored) == summary["stored"]
        relative = set(corpus.manifest)
        positions = [row.source_position for row in stored]
        assert len(set(positions)) == len(positions) and set(positions) <= relative
        # The unparseable and the unreadable are listed with a reason, by file.
        ingest_errors = {
            e.item_id.rsplit("#", 1)[1]: e.error for e in errors if e.stage == "ingest"
        }
        assert len(ingest_errors) == summary["unparseable"] + summary["unreadable"]
        assert all(reason.strip() for reason in ingest_errors.values())
        assert "odd/dangling.eml" in ingest_errors
        # Only what is no email is unparseable: junk lines, bad charsets,
        # broken MIME and odd line ends are read, with a note.
        for position in ingest_errors:
            assert set(corpus.manifest[position]) & (NOT_MAIL | {"dangling_link"}), (
                position,
                corpus.manifest[position],
                ingest_errors[position],
            )

        out = cli(db_url, "run", "metadata", "content", "entities").stdout
        assert "failed" not in out
        cli(db_url, "run", "classify", "profile", "segment")

        with engine.connect() as conn:
            runs = conn.execute(
                select(
                    pipeline_runs.c.stage,
                    pipeline_runs.c.status,
                    pipeline_runs.c.items_processed,
                    pipeline_runs.c.items_failed,
                ).order_by(pipeline_runs.c.id)
            ).all()
            failed_items = dict(
                conn.execute(
                    select(item_errors.c.stage, func.count())
                    .where(item_errors.c.stage != "ingest")
                    .group_by(item_errors.c.stage)
                ).all()
            )
            metadata_rows = conn.execute(select(func.count()).select_from(parsed_metadata)).scalar()
            content_rows = conn.execute(select(func.count()).select_from(parsed_content)).scalar()
            without_sender = conn.execute(
                select(func.count())
                .select_from(parsed_metadata)
                .where(parsed_metadata.c.sender_domain.is_(None))
            ).scalar()
    finally:
        engine.dispose()

    assert [r.stage for r in runs] == [
        "ingest",
        "metadata",
        "content",
        "entities",
        "classify",
        "profile",
        "segment",
    ]
    assert {r.status for r in runs} == {"completed"}, runs
    total = summary["stored"]
    for run in runs[1:4]:
        assert run.items_processed == total
        assert run.items_failed / total < MAX_ERROR_RATE, run
        assert failed_items.get(run.stage, 0) == run.items_failed
    assert metadata_rows == total - failed_items.get("metadata", 0)
    assert content_rows == total - failed_items.get("content", 0)
    # Senders survive the mess: those without one have no address in From
    # (a display name only, a bounce, a file cut before its From).
    assert without_sender / total < 0.12
