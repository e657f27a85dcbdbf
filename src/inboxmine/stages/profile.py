"""Stage 5 - profile: sender profiles, relationships and gem detection.

One item per sender, every sender on every run (gems depend on the clock and
on the user's latest ratings, exclusions and trust overrides). A batch of
senders is read (stage 1-4 outputs), each is profiled, its trust rolled up
from its messages' verdicts (the user's override wins), its relationship
detected (manual ones kept), its gems detected as the trust verdict allows
and scored with the user's weights (:mod:`inboxmine.opportunities.profiling`);
the batch's gems are synchronised by natural key. Afterwards the profiles,
gems and trust of senders that are gone are removed or expired.
"""

from __future__ import annotations

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.opportunities import store as st
from inboxmine.opportunities.feedback_store import suppressed_keys
from inboxmine.opportunities.profiling import ProfileRun, profile_sender
from inboxmine.opportunities.rules import all_rules
from inboxmine.runner import ledger
from inboxmine.runner.registry import register
from inboxmine.runner.stage import Item, Outcome, Stage, StageContext
from inboxmine.trust import store as trust_store
from inboxmine.trust.overrides import all_overrides


def _me(ctx: StageContext):
    if "me" not in ctx.scratch:
        ctx.scratch["me"] = st.who_am_i(
            ctx.engine, ctx.settings.my_addresses, ctx.include_internal()
        )
    return ctx.scratch["me"]


def items(ctx: StageContext) -> list[Item]:
    weights = st.sender_weights(ctx.engine, _me(ctx))
    # A sender is read up to its most recent MAX_SENDER_MESSAGES (store.load_senders).
    return [
        Item(name=sender, weight=min(count, st.MAX_SENDER_MESSAGES))
        for sender, count in weights.items()
    ]


def prepare(ctx: StageContext) -> ProfileRun:
    rules = all_rules(ctx.settings)
    with read_tx(ctx.engine) as conn:
        return ProfileRun(
            now=ctx.now(),
            rules=rules,
            me=_me(ctx),
            exclusions=frozenset(st.excluded(conn) | st.file_exclusions(ctx.settings.rules_dir)),
            trust_overrides=all_overrides(conn),
            lists=st.discussion_lists(
                conn, rules["relationships"]["discussion_list"]["min_senders"]
            ),
            # What the user's bad ratings taught: not that sender/thread again for that type.
            suppressed=suppressed_keys(conn),
            your_audience=ctx.settings.engagement.your_audience,
        )


def load(conn, batch: list[Item], ctx: StageContext) -> list:
    run: ProfileRun = ctx.prepared
    names = [item.name for item in batch]
    senders = {s.sender_domain: s for s in st.load_senders(conn, names, run.lists, run.me)}
    manual = st.relationships(conn, names)
    trusts = trust_store.roll_up_senders(
        conn, names, run.rules["sender_trust"], run.trust_overrides
    )
    return [(senders.get(name), manual.get(name), trusts.get(name)) for name in names]


def transform(loaded, run: ProfileRun) -> Outcome:
    sender, manual, trust = loaded
    if sender is None:  # its mail went since the run began: nothing to profile
        return Outcome(rows={"sender": None, "trust": None})
    return Outcome(rows={"sender": profile_sender(sender, manual, trust, run), "trust": trust})


def write(conn, outcomes: dict[Item, Outcome], ctx: StageContext) -> None:
    """Store a batch: profiles, relationships, gems and trust of its senders.

    The gems of a sender in the batch that was not detected (its mail is
    gone, or its trust forbids it) expire here, and a gone sender loses its
    profile, so that :func:`after` needs only the stage marks of the run:
    the batches may have been stored by other workers."""
    run: ProfileRun = ctx.prepared
    done = {
        item.name: outcome.rows
        for item, outcome in outcomes.items()
        if outcome.rows["sender"] is not None
    }
    gone = [item.name for item, outcome in outcomes.items() if outcome.rows["sender"] is None]
    st.write_profiles(conn, [rows["sender"].profile for rows in done.values()])
    st.delete_profiles(conn, gone)
    proposals = {n: r["sender"].proposal for n, r in done.items() if r["sender"].proposal}
    st.write_relationships(conn, proposals, run.now)
    found = [
        pair for rows in done.values() if rows["sender"].detected for pair in rows["sender"].found
    ]
    st.sync_gems(conn, [item.name for item in outcomes], found, run.now)
    trusts = [rows["trust"] for rows in done.values() if rows["trust"] is not None]
    trust_store.write_sender_trust(conn, list(done), trusts, run.now)


def after(ctx: StageContext) -> None:
    """Senders gone (or failed) lose their profile and their gems expire;
    trust is kept for senders with mail or an override."""
    now = ctx.now()
    seen = {item.name for item in ctx.eligible}
    with write_tx(ctx.engine) as conn:
        profiled = set(ledger.item_keys_done(conn, STAGE.key, ctx.run.run_id))
        st.delete_profiles_except(conn, profiled)
        st.expire_gems_except(conn, profiled, now)
        trust_store.delete_sender_trust_except(conn, seen | set(all_overrides(conn)))


STAGE = register(
    Stage(
        key="profile",
        order=5,
        description="sender profiles, relationships, gem detection",
        output_tables=("sender_profiles", "gems", "sender_relationships", "sender_trust"),
        keyed_by="sender",
        pending="all",
        items=items,
        prepare=prepare,
        load=load,
        transform=transform,
        write=write,
        after=after,
        batch_weight=st.BATCH_MESSAGES,
        parallel=True,
        # Reading a batch's senders costs more than profiling them.
        loads_in_workers=True,
    )
)
