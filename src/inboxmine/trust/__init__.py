"""Sender trust: is a sender legitimate, bulk, automated, suspicious, spam or phishing?

Verdicts come from the evidence stages 1-3 already have (authentication,
display names, links, phrases, the receiving server's own spam verdict, the
folder a message was found in); the rules and weights live in
``rules/trust.yaml``. The user's corrections (``trust_overrides``) win.
"""

from inboxmine.db.tables.trust import TRUST_VERDICTS

__all__ = ["TRUST_VERDICTS"]
