"""Stage 5 - profile: sender profiles, relationships and gem detection.

A whole stage: senders are read in batches (stage 1-4 outputs), profiled,
their trust rolled up from their messages' verdicts (the user's override
wins), their relationship detected (manual ones kept), gems detected as the
trust verdict allows and synchronised by natural key, and each gem scored
with the user's weights.
"""

from __future__ import annotations

from datetime import UTC, datetime

from inboxmine.db.engine import read_tx, write_tx
from inboxmine.db.types import utcnow
from inboxmine.opportunities import scoring, segments
from inboxmine.opportunities import store as st
from inboxmine.opportunities.feedback import without_suppressed
from inboxmine.opportunities.feedback_store import suppressed_keys
from inboxmine.opportunities.gems import DetectionContext, detect_gems
from inboxmine.opportunities.profiles import build_profile
from inboxmine.opportunities.relationships import detect
from inboxmine.opportunities.rules import all_rules
from inboxmine.runner.stage import Stage, StageContext
from inboxmine.runner.tracking import StageError
from inboxmine.trust import gate
from inboxmine.trust import store as trust_store
from inboxmine.trust.overrides import all_overrides


def run_now(ctx: StageContext) -> datetime:
    """The reference time: ``options['now']`` (ISO, for reproducible runs) or the clock."""
    value = ctx.options.get("now")
    if value:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return utcnow()


def include_internal(ctx: StageContext) -> bool:
    """Colleagues count (per person): ``run --include-internal`` for this run,
    else the ``include_internal`` setting."""
    flag = ctx.options.get("include_internal")
    return bool(ctx.settings.include_internal if flag is None else flag)


def procurement_categories(sender) -> list[str]:
    return sorted(
        {
            (e.category or e.normalized or e.value or "").lower()
            for m in sender.received
            if not m.is_bulk
            for e in m.entities
            if e.entity_type == "procurement_signal"
        }
        - {""}
    )


def execute(ctx: StageContext) -> None:
    now = run_now(ctx)
    rules = all_rules(ctx.settings)
    profile_rules = {
        "sophistication": rules["scoring"].get("sophistication", {}),
        "warm": (rules["gems"].get("phrases") or {}).get("warm", {}),
        "renewal_context": rules["gems"].get("renewal_context") or {},
        "link_hosts": rules["gems"]["link_hosts"],
    }
    opportunity = rules["scoring"]["opportunity"]
    me = st.who_am_i(ctx.engine, ctx.settings.my_addresses, include_internal(ctx))
    my_addresses = set(me.addresses)
    gating = rules["sender_trust"].get("gating") or {}
    try:
        batches = list(st.sender_batches(ctx.engine, me))
    except st.MissingInput as exc:
        raise StageError(f"profile cannot run: {exc}") from exc
    ctx.run.set_total(sum(len(b) for b in batches))
    with read_tx(ctx.engine) as conn:
        exclusions = st.excluded(conn) | st.file_exclusions(ctx.settings.rules_dir)
        overrides = all_overrides(conn)
        lists = st.discussion_lists(conn, rules["relationships"]["discussion_list"]["min_senders"])
        # What the user's bad ratings taught: not that sender/thread again for that type.
        suppressed = suppressed_keys(conn)
    profiled: set[str] = set()
    detected: set[str] = set()
    seen = {domain for batch in batches for domain in batch}
    for batch in batches:
        with read_tx(ctx.engine) as conn:
            senders = st.load_senders(conn, batch, lists, me)
            manual = st.relationships(conn)
            trusts = trust_store.roll_up_senders(conn, batch, rules["sender_trust"], overrides)
        profiles, proposals, found = [], {}, []
        for sender in senders:
            try:
                profile = build_profile(sender, profile_rules, now, my_addresses)
                cats = procurement_categories(sender)
                profile["economic_segments"] = segments.economic_segments(
                    profile, cats, rules["segments"]
                )
                existing = manual.get(sender.sender_domain)
                if existing and existing["source"] in ("manual", "import"):
                    relationship = existing["relationship_type"]
                    suppress = bool(existing["suppress_gems"])
                else:
                    proposal = detect(
                        sender,
                        profile,
                        profile["economic_segments"],
                        rules["known_entities"],
                        rules["relationships"],
                    )
                    proposals[sender.sender_domain] = proposal
                    relationship, suppress = proposal.relationship_type, proposal.suppress_gems
                profiles.append(profile)
                profiled.add(sender.sender_domain)
                trust = trusts.get(sender.sender_domain)
                verdict = trust.verdict if trust else None
                if (
                    suppress
                    or st.is_excluded(sender.sender_domain, exclusions)
                    or gate.blocks_sender(verdict, gating)
                ):
                    continue  # not detected: its open gems expire below
                candidates = detect_gems(
                    DetectionContext(
                        sender=sender,
                        profile=profile,
                        relationship=relationship,
                        segments=profile["economic_segments"],
                        now=now,
                        rules=rules["gems"],
                        your_audience=ctx.settings.engagement.your_audience,
                        trust_verdict=verdict,
                        trust_gating=gating,
                    )
                )
                candidates = without_suppressed(candidates, suppressed)
                detected.add(sender.sender_domain)
                types = {c.gem_type for c in candidates}
                for candidate in candidates:
                    breakdown = scoring.score_gem(
                        profile,
                        relationship,
                        candidate.gem_type,
                        candidate.detector_score,
                        types,
                        now,
                        opportunity,
                        verdict,
                    )
                    found.append((candidate, breakdown))
            except Exception as exc:  # one odd sender never fails the stage
                ctx.run.item_error(sender.sender_domain, f"{type(exc).__name__}: {exc}"[:2000])
                ctx.run.advance(processed=0, failed=1)
        with write_tx(ctx.engine) as conn:
            st.write_profiles(conn, profiles)
            for domain, proposal in proposals.items():
                st.write_relationship(conn, domain, proposal, now)
            st.sync_gems(conn, [s for s in batch if s in detected], found, now)
            trust_store.write_sender_trust(conn, batch, trusts.values(), now)
        ctx.run.advance(processed=len(batch))
    with write_tx(ctx.engine) as conn:
        st.delete_profiles_except(conn, profiled)
        st.expire_gems_except(conn, detected, now)
        trust_store.delete_sender_trust_except(conn, seen | set(overrides))


STAGE = Stage(
    key="profile",
    order=5,
    description="sender profiles, relationships, gem detection",
    output_tables=("sender_profiles", "gems", "sender_relationships", "sender_trust"),
    execute=execute,
)
