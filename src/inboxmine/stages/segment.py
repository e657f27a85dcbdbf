"""Stage 6 - segment: economic and custom segments, opportunity scores.

One item per profiled sender, every sender on every run: its segments are
recomputed (custom segments too) and every open gem rescored with the
user's current weights and its sender's current trust verdict (a gem the
verdict no longer allows expires), the breakdown stored with the gem
(:mod:`inboxmine.opportunities.segmenting`). Afterwards the segments of
senders that lost their profile are removed.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, update

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.rows import replace_rows
from inboxmine.db.tables.opportunities import (
    gems,
    sender_profiles,
    sender_relationships,
    sender_segments,
)
from inboxmine.opportunities import store as st
from inboxmine.opportunities.rules import all_rules
from inboxmine.opportunities.segmenting import SegmentRun, segment_sender
from inboxmine.runner.registry import register
from inboxmine.runner.stage import Item, Outcome, Stage, StageContext
from inboxmine.trust import store as trust_store


def items(ctx: StageContext) -> list[Item]:
    with read_tx(ctx.engine) as conn:
        query = select(sender_profiles.c.sender_domain).order_by(sender_profiles.c.sender_domain)
        return [Item(name=row[0]) for row in conn.execute(query)]


def prepare(ctx: StageContext) -> SegmentRun:
    with read_tx(ctx.engine) as conn:
        relationships = dict(
            conn.execute(
                select(
                    sender_relationships.c.sender_domain, sender_relationships.c.relationship_type
                )
            ).all()
        )
    return SegmentRun(now=ctx.now(), rules=all_rules(ctx.settings), relationships=relationships)


def load(conn, batch: list[Item], ctx: StageContext) -> list:
    names = [item.name for item in batch]
    profiles = {
        r["sender_domain"]: dict(r)
        for r in conn.execute(
            select(sender_profiles).where(sender_profiles.c.sender_domain.in_(names))
        ).mappings()
    }
    open_gems: dict[str, list[dict]] = {}
    query = select(
        gems.c.id,
        gems.c.sender_domain,
        gems.c.gem_type,
        gems.c.detector_score,
        gems.c.status,
        gems.c.explanation,
    ).where(gems.c.sender_domain.in_(names), gems.c.status != "expired")
    for row in conn.execute(query).mappings():
        open_gems.setdefault(row["sender_domain"], []).append(dict(row))
    verdicts = trust_store.sender_verdicts(conn, names)
    return [(profiles.get(n), open_gems.get(n, []), verdicts.get(n)) for n in names]


def transform(loaded, run: SegmentRun) -> Outcome:
    profile, open_gems, verdict = loaded
    if profile is None:  # the profile went since the run began
        return Outcome(rows={"sender": None})
    return Outcome(rows={"sender": segment_sender(profile, open_gems, verdict, run)})


def write(conn, outcomes: dict[Item, Outcome], ctx: StageContext) -> None:
    run: SegmentRun = ctx.prepared
    done = {i.name: o.rows["sender"] for i, o in outcomes.items() if o.rows["sender"] is not None}
    if not done:
        return
    rows = [row for result in done.values() for row in result.rows]
    unique = {(r["sender_domain"], r["segment"], r["sub_segment"]): r for r in rows}
    replace_rows(conn, sender_segments.c.sender_domain, list(done), unique.values())
    for result in done.values():
        for gem in result.expired:
            st.expire(conn, gem["id"], gem["status"], run.now)
    scores = [score for result in done.values() for score in result.scores]
    if scores:  # one executemany per batch, not a statement per gem
        conn.execute(
            update(gems)
            .where(gems.c.id == bindparam("gem_id"))
            .values(
                score=bindparam("new_score"),
                score_breakdown=bindparam("new_breakdown"),
                trust_verdict=bindparam("new_trust_verdict"),
            ),
            [
                {
                    "gem_id": gem_id,
                    "new_score": b["total"],
                    "new_breakdown": b,
                    "new_trust_verdict": verdict,
                }
                for gem_id, b, verdict in scores
            ],
        )
    # Keep the profile-level list in step with the rows.
    conn.execute(
        update(sender_profiles)
        .where(sender_profiles.c.sender_domain == bindparam("domain"))
        .values(economic_segments=bindparam("new_segments")),
        [{"domain": d, "new_segments": result.economic} for d, result in done.items()],
    )


def after(ctx: StageContext) -> None:
    """Segments of senders without a profile any more go."""
    profiled = select(sender_profiles.c.sender_domain)
    with write_tx(ctx.engine) as conn:
        conn.execute(
            delete(sender_segments).where(sender_segments.c.sender_domain.not_in(profiled))
        )


STAGE = register(
    Stage(
        key="segment",
        order=6,
        description="economic and custom segments, opportunity scores",
        output_tables=("sender_segments", "gems"),
        keyed_by="sender",
        pending="all",
        items=items,
        prepare=prepare,
        load=load,
        transform=transform,
        write=write,
        after=after,
        parallel=False,
    )
)
