"""The write side of the user's decisions: one service module per aggregate.

The CLI, the API and the admin change these tables only through these
modules, so a rule (validation, a stamp, a re-application) lives once:

* :mod:`~inboxmine.services.gems` - a gem's status (``gems``)
* :mod:`~inboxmine.services.ratings` - judging gems (``gem_ratings``, ``gem_suppressions``)
* :mod:`~inboxmine.services.drafts` - outreach drafts (``engagement_drafts``)
* :mod:`~inboxmine.services.relationships` - what a sender is to you (``sender_relationships``)
* :mod:`~inboxmine.services.exclusions` - senders left out of detection (``domain_exclusions``)
* :mod:`~inboxmine.services.overrides` - corrections of classifications and of
  sender trust (``classification_overrides``, ``trust_overrides``)
* :mod:`~inboxmine.services.runs` - the run ledger as people see it
  (``pipeline_runs``, ``item_errors``; stored by :mod:`inboxmine.runner.ledger`)

Stages write their own output tables themselves (the profile stage its
detected relationships and gems, for instance). Every function takes an
``Engine`` (it opens its own transaction) or a ``Connection`` (it works inside
the caller's), validates, writes and re-applies what depends on the change.
``tests/test_services_ownership.py`` fails when another module writes these tables.
"""
