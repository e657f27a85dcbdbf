"""Small builders for tests (plain data in, rows out)."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime
from itertools import count

from sqlalchemy import insert

from inboxmine.db.engine import write_tx
from inboxmine.db.tables.ingest import messages

_seq = count(1)


def insert_message(engine, *, search_index: bool = True, **fields) -> int:
    """Insert one message with sensible defaults; returns its id. Like an
    import, it is made searchable in the same transaction (``search_index``)."""
    n = next(_seq)
    raw = fields.pop("raw", f"Subject: test {n}\n\nbody {n}\n".encode())
    row = {
        "message_id": f"m{n}@example.com",
        "content_hash": hashlib.sha256(raw + str(n).encode()).hexdigest(),
        "source_kind": "eml",
        "source_ref": "test",
        "sent_at": datetime(2026, 1, 1, tzinfo=UTC),
        "sent_at_source": "date",
        "from_address": "someone@example.org",
        "subject": f"test {n}",
        "raw_compressed": zlib.compress(raw),
        "size_bytes": len(raw),
        "is_sent": False,
        "ingested_at": datetime.now(UTC),
    }
    row.update(fields)
    with write_tx(engine) as conn:
        message_id = int(conn.execute(insert(messages).values(**row)).inserted_primary_key[0])
        if search_index:
            from inboxmine.search.index import index_messages

            index_messages(conn, [message_id])
        return message_id


# ------------------------------------------------------------------ demo mailboxes


def ingest_demo(engine, demo, *, now=None, triggered_by: str = "cli"):
    """Import a generated demo mailbox (``DemoResult``) into ``engine`` as the
    ``ingest`` stage would; the demo user's addresses are the user's own."""
    from inboxmine.sources.importer import import_messages
    from inboxmine.sources.mbox import read_mbox

    return import_messages(
        engine,
        read_mbox(demo.mbox_path),
        source_kind="mbox",
        path=str(demo.mbox_path),
        my_addresses={a.strip().lower() for a in demo.me if a.strip()},
        triggered_by=triggered_by,
        now=now,
    )


def demo_database(engine, settings, demo, stages=(), *, now=None, parameters=None):
    """Ingest ``demo`` into ``engine`` and run ``stages`` (stage keys) on it.

    Returns ``(settings, run_ids)``: the settings with the demo user as "me",
    and the ids of the stage runs, which must all have succeeded.
    """
    from inboxmine.runner.executor import run_stages

    settings = settings.model_copy(update={"me": list(demo.me)})
    ingest_demo(engine, demo, now=now)
    if not stages:
        return settings, []
    ok, run_ids = run_stages(engine, settings, list(stages), parameters=parameters)
    assert ok, f"the stages {list(stages)} failed on the demo mailbox (runs {run_ids})"
    return settings, run_ids


def sqlite_database(template, folder):
    """``(url, engine)`` of a migrated SQLite database in ``folder``, copied from
    the session's ``sqlite_template`` (for module-scoped fixtures)."""
    import shutil

    from inboxmine.db.engine import make_engine

    path = folder / "inboxmine.db"
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    return url, make_engine(url)


def clean_settings(url, **fields):
    """Settings of a database URL that no ``INBOXMINE_*`` variable of the
    environment changes (the ``settings`` fixture's isolation, for
    module-scoped fixtures); ``fields`` are passed to ``load_settings``."""
    import os

    import pytest

    from inboxmine.config import load_settings

    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("INBOXMINE_")]:
            patch.delenv(key)
        fields.setdefault("entities", {"use_spacy": False})  # as the `settings` fixture
        return load_settings(database_url=url, **fields)


def with_ner(settings):
    """``settings`` with spaCy NER turned on (the test default is off)."""
    return settings.model_copy(
        update={"entities": settings.entities.model_copy(update={"use_spacy": True})}
    )


#: The email service providers issue 3 requires by key (the demo truth uses them too).
REQUIRED_ESP_KEYS = (
    "sendgrid",
    "mailchimp",
    "hubspot",
    "klaviyo",
    "constant_contact",
    "amazon_ses",
    "convertkit",
    "activecampaign",
    "salesforce_mc",
    "postmark",
    "mailgun",
    "brevo",
    "mailjet",
    "sparkpost",
    "iterable",
    "customer_io",
    "braze",
    "marketo",
    "pardot",
    "campaign_monitor",
    "mailerlite",
    "substack",
    "beehiiv",
    "intercom",
    "zendesk",
    "mandrill",
    "google_workspace",
    "microsoft_365",
    "zoho",
    "custom_smtp",
)
