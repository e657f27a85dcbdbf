"""Opportunities: sender profiles, relationships, gems, segments, scores, drafts.

The intelligence of stages 5-7 as pure functions, with I/O at the edges:

* :mod:`.facts` - the plain inputs (messages, threads, entities per sender);
* :mod:`.profiles`, :mod:`.sophistication` - the profile row of a sender;
* :mod:`.relationships` - vendor, prospect, partner ... with the deciding signals;
* :mod:`.gems` - one detector per gem type (rules in ``rules/gems.yaml``);
* :mod:`.evidence` - phrase matching and quotes that link to the message;
* :mod:`.segments`, :mod:`.custom_segments` - economic and custom segments;
* :mod:`.scoring` - the 0-100 opportunity score and its breakdown;
* :mod:`.strategies` - which outreach strategy fits a gem, and its facts;
* :mod:`.store` - stage 5's database edges (batched loading, stable gem sync).

For the CLI and the web (Gem Explorer, Score Inspector), :mod:`.queries`::

    from inboxmine.opportunities import queries
    queries.list_gems(engine, gem_type=None, status=None, segment=None,
                      min_score=None, urgency=None, sender=None, top=None, offset=0)
    queries.gem_detail(engine, gem_id)          # signals + evidence, score_breakdown, drafts
    queries.score_breakdown(engine, sender_domain)   # stored, with the user's weights
    queries.list_profiles(engine, search=None, sort="total_messages", descending=True, limit=50)
    queries.segment_members(engine, "spend_map" | "custom:NAME" | "NAME")
    queries.list_drafts(engine) / queries.draft_detail(engine, draft_id)
    queries.list_relationships(engine) / review_relationships / list_exclusions

They raise :class:`queries.NotFound` or :class:`queries.InvalidValue` with a
message a user can act on. Changes (a gem's status, a draft, a relationship,
an exclusion, a rating) go through :mod:`inboxmine.services`. :mod:`.export` writes gems, profiles and segments
as CSV, JSON lines or XLSX with spreadsheet formulas neutralised.
"""
