"""The digest of what changed: new and changed gems, new unanswered asks,
renewals coming due, drafts waiting.

:mod:`~inboxmine.digest.since` and :mod:`~inboxmine.digest.build` are pure
(rows in, a :class:`~inboxmine.digest.build.Digest` out),
:mod:`~inboxmine.digest.render` turns it into text, HTML or JSON, and
:mod:`~inboxmine.digest.store` does the database work. Nothing here sends mail.
"""
