"""Stage 6 - segment: economic and custom segments, opportunity scores.

Every path that runs this stage (CLI, web, run all) evaluates the custom
segments too, and rescores every open gem with the user's current weights and
its sender's current trust verdict (a gem the verdict no longer allows
expires), storing the breakdown with the gem.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select, update

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.tables.opportunities import (
    gems,
    sender_profiles,
    sender_relationships,
    sender_segments,
)
from inboxmine.opportunities import custom_segments, scoring, segments
from inboxmine.opportunities import store as st
from inboxmine.opportunities.rules import all_rules
from inboxmine.runner.stage import Stage, StageContext
from inboxmine.runner.tracking import StageError
from inboxmine.stages.profile import run_now
from inboxmine.trust import gate
from inboxmine.trust import store as trust_store

#: Thread gems that put a sender in the ``dormant_threads`` segment, and the sub-segment.
DORMANT_SUBSEGMENTS = {"dormant_warm_thread": "dormant", "unanswered_ask": "unanswered"}
BATCH = 500


def segment_rows(profile, open_gems, rules, now) -> list[dict]:
    """Economic segments with sub-segments, plus dormant_threads and custom segments."""
    categories = sorted(
        {
            c
            for g in open_gems
            if g["gem_type"] == "procurement_signal"
            for c in ((g.get("explanation") or {}).get("facts") or {}).get("categories", [])
        }
    )
    economic = segments.economic_segments(profile, categories, rules)
    rows = []
    for name in economic:
        for sub, confidence, reason in segments.sub_segments(name, profile, categories, now, rules):
            rows.append(
                {"segment": name, "sub_segment": sub, "confidence": confidence, "reason": reason}
            )
    for gem_type, sub in DORMANT_SUBSEGMENTS.items():
        if any(g["gem_type"] == gem_type for g in open_gems):
            rows.append(
                {
                    "segment": "dormant_threads",
                    "sub_segment": sub,
                    "confidence": 0.9,
                    "reason": f"open {gem_type} gem",
                }
            )
    if any(r["segment"] == "dormant_threads" for r in rows):
        economic = economic + ["dormant_threads"]
    try:
        custom = custom_segments.evaluate(
            rules.get("custom_segments") or [],
            profile,
            economic,
            {g["gem_type"] for g in open_gems},
            now,
        )
    except custom_segments.SegmentRuleError as exc:
        raise StageError(str(exc)) from exc
    for row in custom:
        row["is_custom"] = True
        row["priority"] = row["sub_segment"] or None
    rows.extend(custom)
    return rows


#: A sender_segments row's optional columns (custom rows add a priority).
SEGMENT_ROW = {
    "sub_segment": None,
    "confidence": None,
    "is_custom": False,
    "priority": None,
    "reason": None,
}


def execute(ctx: StageContext) -> None:
    now = run_now(ctx)
    rules = all_rules(ctx.settings)
    opportunity = rules["scoring"]["opportunity"]
    gating = rules["sender_trust"].get("gating") or {}
    with read_tx(ctx.engine) as conn:
        domains = [
            r[0]
            for r in conn.execute(
                select(sender_profiles.c.sender_domain).order_by(sender_profiles.c.sender_domain)
            )
        ]
        relationships = dict(
            conn.execute(
                select(
                    sender_relationships.c.sender_domain, sender_relationships.c.relationship_type
                )
            ).all()
        )
    ctx.run.set_total(len(domains))
    with write_tx(ctx.engine) as conn:
        conn.execute(delete(sender_segments))
    for start in range(0, len(domains), BATCH):
        chunk = domains[start : start + BATCH]
        with read_tx(ctx.engine) as conn:
            profiles = [
                dict(r)
                for r in conn.execute(
                    select(sender_profiles).where(sender_profiles.c.sender_domain.in_(chunk))
                ).mappings()
            ]
            open_gems: dict[str, list[dict]] = {}
            for row in conn.execute(
                select(
                    gems.c.id,
                    gems.c.sender_domain,
                    gems.c.gem_type,
                    gems.c.detector_score,
                    gems.c.status,
                    gems.c.explanation,
                ).where(gems.c.sender_domain.in_(chunk), gems.c.status != "expired")
            ).mappings():
                open_gems.setdefault(row["sender_domain"], []).append(dict(row))
            verdicts = trust_store.sender_verdicts(conn, chunk)
        # The trust verdict may have changed since stage 5 (an override): gate again.
        expired = []
        for domain, mine in open_gems.items():
            verdict = verdicts.get(domain)
            blocked = [g for g in mine if not gate.allows_gem_type(verdict, g["gem_type"], gating)]
            expired += blocked
            open_gems[domain] = [g for g in mine if g not in blocked]
        seg_rows, scores = [], []
        for profile in profiles:
            domain = profile["sender_domain"]
            mine = open_gems.get(domain, [])
            for row in segment_rows(profile, mine, rules["segments"], now):
                # Every row names every column: one executemany needs the same keys.
                seg_rows.append({**SEGMENT_ROW, "sender_domain": domain, "assigned_at": now, **row})
            relationship = relationships.get(domain, "unknown")
            types = {g["gem_type"] for g in mine}
            for gem in mine:
                breakdown = scoring.score_gem(
                    profile,
                    relationship,
                    gem["gem_type"],
                    gem["detector_score"],
                    types,
                    now,
                    opportunity,
                    verdicts.get(domain),
                )
                scores.append((gem["id"], breakdown, verdicts.get(domain)))
        with write_tx(ctx.engine) as conn:
            unique = {(r["sender_domain"], r["segment"], r["sub_segment"]): r for r in seg_rows}
            if unique:
                conn.execute(insert(sender_segments), list(unique.values()))
            for gem in expired:
                st.expire(conn, gem["id"], gem["status"], now)
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
            names: dict[str, set[str]] = {p["sender_domain"]: set() for p in profiles}
            for row in unique.values():
                if not row["is_custom"] and row["sender_domain"] in names:
                    names[row["sender_domain"]].add(row["segment"])
            if names:
                conn.execute(
                    update(sender_profiles)
                    .where(sender_profiles.c.sender_domain == bindparam("domain"))
                    .values(economic_segments=bindparam("new_segments")),
                    [{"domain": d, "new_segments": sorted(n)} for d, n in names.items()],
                )
        ctx.run.advance(processed=len(chunk))


STAGE = Stage(
    key="segment",
    order=6,
    description="economic and custom segments, opportunity scores",
    output_tables=("sender_segments", "gems"),
    execute=execute,
)
