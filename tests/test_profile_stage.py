"""Stage 5 on a small database: manual relationships kept, exclusions expire gems,
returning evidence revives them with their status; the user's own mail is no profile."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from tests.helpers import insert_message

from inboxmine.db.engine import write_tx
from inboxmine.db.tables import metadata
from inboxmine.db.tables.opportunities import sender_profiles, sender_relationships
from inboxmine.opportunities import queries, store
from inboxmine.runner.executor import run_stages
from inboxmine.services.exclusions import add_exclusion, remove_exclusion
from inboxmine.services.gems import set_gem_status
from inboxmine.services.relationships import set_relationship

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _partner_mail(engine, days_ago):
    mid = insert_message(
        engine,
        from_address="partners@acme.io",
        from_name="Acme",
        subject="Join the Acme Partner Program",
        body_text="Earn 20% recurring revenue share.",
        sent_at=NOW - timedelta(days=days_ago),
    )
    with write_tx(engine) as conn:
        conn.execute(
            insert(metadata.tables["parsed_metadata"]).values(
                message_id=mid, sender_domain="acme.io", is_bulk=True, parsed_at=NOW
            )
        )
        conn.execute(
            insert(metadata.tables["parsed_content"]).values(
                message_id=mid,
                link_intents={"partner_program": ["https://acme.io/partners?utm_source=x"]},
                offer_types=["partnership"],
                parsed_at=NOW,
            )
        )
    return mid


def _mine(engine):
    mid = insert_message(
        engine, from_address="me@example.com", is_sent=True, sent_at=NOW - timedelta(days=3)
    )
    with write_tx(engine) as conn:
        conn.execute(
            insert(metadata.tables["parsed_metadata"]).values(
                message_id=mid, sender_domain="example.com", parsed_at=NOW
            )
        )


def _profile(engine, settings):
    ok, _ = run_stages(engine, settings, ["profile"], parameters={"now": NOW.isoformat()})
    assert ok


def test_gems_expire_when_excluded_and_come_back_with_their_status(engine, settings):
    _partner_mail(engine, 10)
    _mine(engine)
    _profile(engine, settings)
    [gem] = queries.list_gems(engine)
    assert gem["gem_type"] == "partner_program" and gem["sender_domain"] == "acme.io"
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(select(sender_profiles.c.sender_domain))] == ["acme.io"]

    set_gem_status(engine, gem["id"], "dismissed")
    add_exclusion(engine, "acme.io", "a competitor")
    _profile(engine, settings)
    assert queries.gem_detail(engine, gem["id"])["status"] == "expired"
    assert queries.list_gems(engine) == []

    remove_exclusion(engine, "acme.io")
    _profile(engine, settings)
    assert queries.gem_detail(engine, gem["id"])["status"] == "dismissed"


def test_an_exclusions_file_in_your_rules_dir_expires_gems_too(engine, settings, tmp_path):
    _partner_mail(engine, 10)
    _mine(engine)
    _profile(engine, settings)
    [gem] = queries.list_gems(engine)
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "exclusions.yaml").write_text("domains: [acme.io]\n")
    _profile(engine, settings.model_copy(update={"rules_dir": rules}))
    assert queries.gem_detail(engine, gem["id"])["status"] == "expired"


def test_a_relationship_set_by_hand_is_never_overwritten_and_can_suppress_gems(engine, settings):
    _partner_mail(engine, 10)
    set_relationship(engine, "acme.io", "my_vendor", note="we pay them", suppress=True)
    _profile(engine, settings)
    with engine.connect() as conn:
        row = conn.execute(select(sender_relationships)).mappings().one()
    assert (row["relationship_type"], row["source"], row["suppress_gems"]) == (
        "my_vendor",
        "manual",
        True,
    )
    assert queries.list_gems(engine) == []


def test_automatic_relationships_keep_the_signals_that_decided(engine, settings):
    _partner_mail(engine, 20)
    _partner_mail(engine, 10)
    _profile(engine, settings)
    [row] = queries.list_relationships(engine)
    assert row["source"] == "auto" and row["signals"]
    assert row["relationship_note"].startswith("Auto-detected: ")


def test_a_sender_whose_mail_is_gone_loses_its_profile_and_its_gems_expire(engine, settings):
    gone = _partner_mail(engine, days_ago=10)
    kept = insert_message(engine, from_address="news@other.example", sent_at=NOW)
    with write_tx(engine) as conn:
        conn.execute(
            insert(metadata.tables["parsed_metadata"]).values(
                message_id=kept, sender_domain="other.example", parsed_at=NOW
            )
        )
    _profile(engine, settings)
    assert {g["sender_domain"] for g in queries.list_gems(engine)} == {"acme.io"}

    with write_tx(engine) as conn:
        conn.execute(
            metadata.tables["parsed_metadata"]
            .delete()
            .where(metadata.tables["parsed_metadata"].c.message_id == gone)
        )
    _profile(engine, settings)
    with engine.connect() as conn:
        profiled = set(conn.execute(select(sender_profiles.c.sender_domain)).scalars())
    assert profiled == {"other.example"}
    assert queries.list_gems(engine) == []
    assert {g["status"] for g in queries.list_gems(engine, include_expired=True)} == {"expired"}


def _news(engine, days_ago, bulk):
    mid = insert_message(
        engine,
        from_address="digest@lists.busy.example",
        subject=f"Digest {days_ago}",
        sent_at=NOW - timedelta(days=days_ago),
    )
    with write_tx(engine) as conn:
        conn.execute(
            insert(metadata.tables["parsed_metadata"]).values(
                message_id=mid,
                sender_domain="busy.example",
                sent_at=NOW - timedelta(days=days_ago),
                is_bulk=bulk,
                parsed_at=NOW,
            )
        )
    return mid


def _busy_profile(engine):
    with engine.connect() as conn:
        return dict(
            conn.execute(
                select(sender_profiles).where(sender_profiles.c.sender_domain == "busy.example")
            )
            .mappings()
            .one()
        )


def test_a_sender_above_the_cap_is_read_from_its_recent_mail_with_totals_over_all(
    engine, settings, monkeypatch
):
    """A decade of a busy list is one sender: only its most recent messages are
    read, while its counts, dates and frequency still cover all of its mail."""
    ids = [_news(engine, days_ago=30 - 2 * i, bulk=i % 4 == 0) for i in range(12)]
    _profile(engine, settings)
    whole = _busy_profile(engine)
    assert (whole["total_messages"], whole["messages_read"]) == (12, 12)

    monkeypatch.setattr(store, "MAX_SENDER_MESSAGES", 5)
    with engine.connect() as conn:
        [facts] = store.load_senders(conn, ["busy.example"])
    assert [m.id for m in facts.messages] == ids[-5:]  # the most recent five, in time order
    assert facts.received_count == 12 and facts.bulk_count == 3

    _profile(engine, settings)
    capped = _busy_profile(engine)
    assert capped["messages_read"] == 5
    for column in ("total_messages", "bulk_ratio", "first_contact", "last_contact"):
        assert capped[column] == whole[column], column
    assert capped["avg_frequency_days"] == whole["avg_frequency_days"] == 2.0


def _list_thread(engine, senders: list[str]) -> tuple[int, list[int]]:
    """One mailing-list thread, a message a day from each of ``senders`` in turn."""
    with write_tx(engine) as conn:
        thread_id = int(
            conn.execute(
                insert(metadata.tables["threads"]).values(
                    thread_key="weekly", subject="Weekly call"
                )
            ).inserted_primary_key[0]
        )
    ids = []
    for day, sender in enumerate(senders):
        sent_at = NOW - timedelta(days=len(senders) - day)
        mid = insert_message(
            engine,
            from_address=f"someone@{sender}",
            thread_id=thread_id,
            subject="Re: Weekly call",
            sent_at=sent_at,
        )
        with write_tx(engine) as conn:
            conn.execute(
                insert(metadata.tables["parsed_metadata"]).values(
                    message_id=mid, sender_domain=sender, sent_at=sent_at, parsed_at=NOW
                )
            )
        ids.append(mid)
    return thread_id, ids


def test_a_long_thread_is_read_from_its_end_and_a_senders_own_messages_once(
    engine, settings, monkeypatch
):
    """A list thread spans many senders' batches: only its most recent messages
    are read for each, in time order, and the sender's own are the same facts."""
    senders = ["a.example", "b.example", "c.example"] * 3 + ["a.example"]
    thread_id, ids = _list_thread(engine, senders)
    with engine.connect() as conn:
        [whole] = store.load_senders(conn, ["b.example"])
    assert [m.id for m in whole.threads[0].messages] == ids

    monkeypatch.setattr(store, "MAX_THREAD_MESSAGES", 4)
    with engine.connect() as conn:
        [facts] = store.load_senders(conn, ["a.example"])
    [thread] = facts.threads
    assert (thread.id, thread.subject) == (thread_id, "Weekly call")
    assert [m.id for m in thread.messages] == ids[-4:]
    assert [m.sender_domain for m in thread.messages] == senders[-4:]
    assert thread.messages[-1] is facts.messages[-1]  # its own message, not read twice
    assert [m.id for m in facts.messages] == [ids[0], ids[3], ids[6], ids[9]]


def test_a_busy_colleague_is_read_from_their_recent_mail_with_totals_over_all(engine, monkeypatch):
    """With include_internal a colleague is one person of the user's domain:
    above the cap, their most recent messages are read, their counts cover all."""
    ids = []
    for day in range(8):
        sent_at = NOW - timedelta(days=20 - day)
        mid = insert_message(engine, from_address="CFO@example.com", sent_at=sent_at)
        with write_tx(engine) as conn:
            conn.execute(
                insert(metadata.tables["parsed_metadata"]).values(
                    message_id=mid, sender_domain="example.com", sent_at=sent_at, parsed_at=NOW
                )
            )
        ids.append(mid)
    me = store.who_am_i(engine, {"me@example.com"}, include_internal=True)
    assert "example.com" in me.identities
    monkeypatch.setattr(store, "MAX_SENDER_MESSAGES", 3)
    with engine.connect() as conn:
        [facts] = store.load_senders(conn, ["cfo@example.com"], me=me)
    assert facts.is_internal
    assert [m.id for m in facts.messages] == ids[-3:]
    assert facts.received_count == 8
    assert facts.totals.first_at == NOW - timedelta(days=20)
