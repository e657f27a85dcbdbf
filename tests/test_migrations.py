"""The Alembic migrations build exactly the schema the table definitions describe."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from inboxmine.db.engine import make_engine
from inboxmine.db.migrate import head_revisions, is_up_to_date, upgrade
from inboxmine.db.tables import metadata
from inboxmine.db.tables.search import is_search_table


def test_migrated_database_matches_the_table_definitions(engine):
    # `engine` is a database created by the migrations alone.
    with engine.connect() as conn:
        # The search index is not a metadata table (FTS5 / tsvector, 0014_search).
        only_metadata = {
            "compare_type": True,
            "include_name": lambda name, type_, _: not (type_ == "table" and is_search_table(name)),
        }
        context = MigrationContext.configure(conn, opts=only_metadata)
        differences = compare_metadata(context, metadata)
    assert differences == [], f"write a migration (`inboxmine db revision -m ...`): {differences}"
    assert is_up_to_date(engine)


def test_there_is_one_line_of_migrations():
    assert len(head_revisions()) == 1


def test_upgrade_creates_every_table_and_is_idempotent(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    upgrade(engine)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_a_database_of_the_first_release_upgrades_and_keeps_its_rows(tmp_path):
    from alembic import command
    from sqlalchemy import select

    from inboxmine.db.migrate import alembic_config
    from inboxmine.db.tables.ledger import pipeline_runs
    from inboxmine.runner import ledger

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001_initial")
    assert "sender_source" not in {
        c["name"] for c in inspect(engine).get_columns("parsed_metadata")
    }
    run_id = ledger.create_run(engine, "metadata", "cli")

    upgrade(engine)
    assert "sender_source" in {c["name"] for c in inspect(engine).get_columns("parsed_metadata")}
    with engine.connect() as conn:
        assert conn.execute(select(pipeline_runs.c.id)).scalars().all() == [run_id]
    engine.dispose()


def test_marks_for_named_items_are_filled_from_what_is_stored(tmp_path, settings):
    """A database from before 0017: its classified senders and drafted gems are
    done, so the upgrade costs no AI call and no second draft."""
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import insert, select
    from tests.helpers import insert_message

    from inboxmine.db.migrate import alembic_config
    from inboxmine.db.tables.ledger import stage_items
    from inboxmine.runner.executor import _pending_items
    from inboxmine.runner.registry import get_stage
    from inboxmine.runner.stage import StageContext

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0014_search")
    now = datetime(2026, 3, 1, tzinfo=UTC)
    for n, (domain, classified) in enumerate(
        [
            ("done.example", True),
            ("done.example", True),
            ("half.example", True),
            ("half.example", False),
        ],
        start=1,
    ):
        insert_message(engine, id=n, from_address=f"a@{domain}", search_index=False)
        with engine.begin() as conn:
            conn.execute(
                insert(metadata.tables["parsed_metadata"]).values(
                    message_id=n, sender_domain=domain, parsed_at=now
                )
            )
            if classified:
                conn.execute(
                    insert(metadata.tables["ai_classification"]).values(
                        message_id=n,
                        sender_domain=domain,
                        classified_at=now,
                        model_used="heuristic",
                    )
                )
    upgrade(engine)
    with engine.connect() as conn:
        marks = {
            (r.stage, r.item_key): r.item_version for r in conn.execute(select(stage_items)).all()
        }
    assert marks == {("classify", "done.example"): "2:2"}

    class Run:
        run_id = None

    ctx = StageContext(engine=engine, settings=settings, run=Run())
    pending, already = _pending_items(get_stage("classify"), ctx)
    assert [i.name for i in pending] == ["half.example"] and already == 1
    engine.dispose()
