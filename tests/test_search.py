"""Full-text search on real databases (SQLite FTS5 and PostgreSQL tsvector): the
index an import builds, every operator, ranking, exclusions and a rebuild."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from inboxmine.cli.main import app
from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import messages
from inboxmine.db.tables.metadata_stage import parsed_metadata
from inboxmine.db.tables.opportunities import gems
from inboxmine.search.index import clear_index, indexed_count, rebuild_index
from inboxmine.search.query import QueryError
from inboxmine.search.searcher import search
from inboxmine.sources.base import RawMessage
from inboxmine.sources.importer import import_messages


def _mail(sender, subject, body, date, to="bob@example.com", cc=None, html=None, **extra):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = f"<{abs(hash((sender, subject, date)))}@test.example>"
    for name, value in extra.get("headers", {}).items():
        message[name] = value
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
    for filename in extra.get("files", ()):
        message.add_attachment(
            b"%PDF-1.4 x", maintype="application", subtype="pdf", filename=filename
        )
    return message.as_bytes()


MAILBOX = {
    "invoice": _mail(
        "Alice Smith <alice@acme.io>", "Invoice for March",
        "Please find the invoice attached. The renewal quote is inside.",
        "Tue, 05 Mar 2024 10:00:00 +0000", files=("invoice-march.pdf",),
    ),
    "newsletter": _mail(
        "Shop <news@mail.shop.example>", "Weekly deals", None, "Mon, 10 Jun 2024 09:00:00 +0000",
        html="<html><head><title>headtitle</title></head><body><p>Big <b>summer</b> sale</p>"
        "<script>evilword()</script><style>p{color:red}</style></body></html>",
        headers={"List-Id": "Shop News <news.shop.example>"},
    ),
    "mention": _mail(
        "carol@other.org", "Hello there",
        "A long note about many things. " * 30 + "Oh, and the invoice went out.",
        "Thu, 01 Feb 2024 08:00:00 +0000",
    ),
    "renewal": _mail(
        "Dave <dave@acme.io>", "Renewal", "Your renewal quote is ready.",
        "Wed, 01 May 2024 12:00:00 +0000", cc="erin@partner.example",
    ),
    "overdue": _mail(
        "noreply@spam.example", "invoice overdue", "pay now", "Sun, 31 Dec 2023 23:00:00 +0000"
    ),
    "cafe": _mail("frank@example.net", "Plans", "Meet at the café at noon", "Fri, 01 Mar 2024 08:00:00 +0000"),
    "lookalike": _mail(
        "Acme Io <x@evil.example>", "acme io offer", "totally acme", "Fri, 01 Mar 2024 09:00:00 +0000"
    ),
}  # fmt: skip


@pytest.fixture
def mailbox(engine):
    """The mailbox imported as `inboxmine ingest` does; name -> messages.id."""
    raws = [
        RawMessage(raw=raw, source_kind="eml", source_ref=name) for name, raw in MAILBOX.items()
    ]
    summary = import_messages(
        engine, raws, source_kind="eml", path="test", my_addresses={"me@example.com"}, workers=1
    )
    assert summary.stored == len(MAILBOX)
    with engine.connect() as conn:
        ids = dict(
            conn.execute(
                messages.select().with_only_columns(messages.c.source_ref, messages.c.id)
            ).all()
        )
    return ids


def found(engine, query, **kwargs):
    return [h.message_id for h in search(engine, query, limit=50, **kwargs).hits]


def names(ids, mailbox):
    by_id = {v: k for k, v in mailbox.items()}
    return {by_id[i] for i in ids}


def test_import_builds_the_index_in_the_same_run(engine, mailbox):
    assert indexed_count(engine) == len(MAILBOX)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("invoice", {"invoice", "mention", "overdue"}),
        ('"renewal quote"', {"invoice", "renewal"}),
        ('"quote renewal"', set()),
        ("renew*", {"invoice", "renewal"}),
        ("from:alice", {"invoice"}),
        ('from:"Alice Smith"', {"invoice"}),
        ("from:acme.io", {"invoice", "renewal"}),
        (
            "to:bob@example.com -from:acme.io -from:noreply",
            {"newsletter", "mention", "cafe", "lookalike"},
        ),
        ("to:erin@partner.example", {"renewal"}),
        ("domain:acme.io", {"invoice", "renewal"}),
        ("domain:shop.example", {"newsletter"}),
        ("subject:invoice", {"invoice", "overdue"}),
        ("list:news.shop.example", {"newsletter"}),
        ("has:attachment", {"invoice"}),
        ("march.pdf", {"invoice"}),
        ("before:2024-01-01", {"overdue"}),
        ("after:2024-05-01", {"newsletter", "renewal"}),
        ("after:2024-03-01 before:2024-03-02", {"cafe", "lookalike"}),
        ("summer", {"newsletter"}),
        ("invoice -overdue", {"invoice", "mention"}),
        ("invoice -from:noreply", {"invoice", "mention"}),
        ("-invoice -acme", {"newsletter", "cafe"}),
        ("-domain:acme.io -has:attachment invoice", {"mention", "overdue"}),
        ("cafe", {"cafe"}),
        ("CAFÉ", {"cafe"}),
        # HTML is indexed as text: tags, scripts, styles and the head never are.
        ("evilword", set()),
        ("script", set()),
        ("headtitle", set()),
        ('"); DROP TABLE messages; --"', set()),
        # OR: one alternative is enough, ANDed with the rest.
        ("invoice OR renewal", {"invoice", "mention", "overdue", "renewal"}),
        ("from:alice OR from:dave", {"invoice", "renewal"}),
        # An address is decided on the address, inside an OR too: not the lookalike.
        ("from:acme.io OR from:spam.example", {"invoice", "renewal", "overdue"}),
        ("from:acme.io OR summer", {"invoice", "renewal", "newsletter"}),
        ("subject:invoice OR subject:renewal", {"invoice", "overdue", "renewal"}),
        ("has:attachment OR summer", {"invoice", "newsletter"}),
        ("domain:shop.example OR domain:other.org", {"newsletter", "mention"}),
        ("before:2024-01-01 OR after:2024-06-01", {"overdue", "newsletter"}),
        ("renew* OR café OR to:erin@partner.example", {"invoice", "renewal", "cafe"}),
        ("invoice OR summer -from:noreply", {"invoice", "mention", "newsletter"}),
        ("invoice OR summer after:2024-03-01", {"invoice", "newsletter"}),
        ("acme OR has:attachment -domain:acme.io", {"lookalike"}),
        ('"OR" invoice', set()),
    ],
)
def test_each_operator_finds_its_messages_and_only_those(engine, mailbox, query, expected):
    assert names(found(engine, query), mailbox) == expected


def test_esp_and_gem_operators_follow_the_pipeline_tables(engine, mailbox):
    with write_tx(engine) as conn:
        for name, domain, esp in (
            ("newsletter", "shop.example", "Mailchimp"),
            ("invoice", "acme.io", None),
            ("renewal", "acme.io", None),
            ("mention", "other.org", None),
        ):
            conn.execute(
                insert(parsed_metadata).values(
                    message_id=mailbox[name],
                    sender_domain=domain,
                    esp_identified=esp,
                    parsed_at=datetime.now(UTC),
                )
            )
        thread_of_mention = conn.execute(
            messages.select()
            .with_only_columns(messages.c.thread_id)
            .where(messages.c.id == mailbox["mention"])
        ).scalar_one()
        for gem_type, domain, thread in (
            ("renewal_leverage", "acme.io", None),
            ("dormant_warm_thread", "nobody.example", thread_of_mention),
        ):
            conn.execute(
                insert(gems).values(
                    gem_type=gem_type, sender_domain=domain, thread_id=thread,
                    thread_key=str(thread or ""), status="new", score=50,
                    summary=gem_type, created_at=datetime.now(UTC),
                )
            )  # fmt: skip
    assert names(found(engine, "esp:mailchimp"), mailbox) == {"newsletter"}
    assert names(found(engine, "-esp:mailchimp subject:weekly"), mailbox) == set()
    assert names(found(engine, "gem:renewal_leverage"), mailbox) == {"invoice", "renewal"}
    assert names(found(engine, "gem:renewal-leverage quote"), mailbox) == {"invoice", "renewal"}
    assert names(found(engine, "gem:dormant_warm_thread"), mailbox) == {"mention"}
    # Results link to their sender's gems.
    hit = search(engine, "from:dave").hits[0]
    assert hit.sender_domain == "acme.io"
    assert [g["gem_type"] for g in hit.gems] == ["renewal_leverage"]


def test_ranking_puts_the_better_match_first(engine, mailbox):
    hits = found(engine, "invoice")
    # In the subject beats once deep in a long body.
    assert hits[-1] == mailbox["mention"]
    assert set(hits[:2]) == {mailbox["invoice"], mailbox["overdue"]}
    results = search(engine, "invoice")
    assert results.ranked and results.total == 3
    # Without a text term there is nothing to rank: newest first.
    dated = search(engine, "after:2024-01-01 -has:attachment")
    assert not dated.ranked
    assert [h.sent_at for h in dated.hits] == sorted((h.sent_at for h in dated.hits), reverse=True)


def test_snippet_marks_the_match_in_the_body_text(engine, mailbox):
    hit = search(engine, "summer").hits[0]
    assert ("summer", True) in hit.snippet
    assert "<" not in "".join(t for t, _ in hit.snippet)  # text of the HTML, not its tags
    deep = search(engine, "invoice from:carol").hits[0]
    assert deep.snippet[0] == ("… ", False) and ("invoice", True) in deep.snippet


def test_limit_and_malformed_queries(engine, mailbox):
    assert len(search(engine, "-zzz", limit=2).hits) == 2
    with pytest.raises(QueryError, match="close the phrase"):
        search(engine, '"unbalanced')


def test_reindex_rebuilds_what_was_lost(engine, mailbox, db_url):
    with write_tx(engine) as conn:
        clear_index(conn)
    assert found(engine, "invoice") == []
    result = CliRunner().invoke(app, ["--db", db_url, "search", "--reindex", "invoice", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert {r["id"] for r in listed} == {mailbox["invoice"], mailbox["mention"], mailbox["overdue"]}
    assert indexed_count(engine) == len(MAILBOX)
    # Rebuilding again indexes each message once (no double counting in ranks).
    assert rebuild_index(engine) == len(MAILBOX)
    assert indexed_count(engine) == len(MAILBOX)


def test_cli_table_and_errors(engine, mailbox, db_url):
    runner = CliRunner()
    shown = runner.invoke(app, ["--db", db_url, "search", '"renewal quote"', "--limit", "1"])
    assert shown.exit_code == 0, shown.output
    assert "2 messages match, best match first" in shown.output
    assert "showing 1" in shown.output
    bad = runner.invoke(app, ["--db", db_url, "search", "before:soon"])
    assert bad.exit_code != 0
    assert "before:soon" in bad.output and "YYYY-MM-DD" in bad.output


def test_the_migration_makes_existing_messages_searchable(tmp_path):
    from alembic import command
    from tests.helpers import insert_message

    from inboxmine.db.engine import make_engine
    from inboxmine.db.migrate import alembic_config, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0012_run_batches")
    insert_message(engine, search_index=False, subject="quarterly forecast", body_text="numbers")
    insert_message(
        engine, search_index=False, subject="hi", body_html="<p>an <i>offsite</i> plan</p>"
    )
    upgrade(engine)
    assert len(found(engine, "forecast")) == 1
    assert len(found(engine, "offsite")) == 1
    engine.dispose()
