"""Mail sources: file readers (mbox, Maildir, MH, .eml) and live sources
(IMAP, Gmail) that yield :class:`~inboxmine.sources.base.RawMessage`, the
tolerant parser, the store and the thread builder shared by all of them.

Live sources build on :mod:`~inboxmine.sources.live` (sync state, the run
around one account, the :class:`~inboxmine.sources.live.LiveSource`
protocol and the ``SOURCES`` registry); :mod:`~inboxmine.sources.sync`
dispatches configured accounts to them by kind, and
:mod:`~inboxmine.sources.watch` keeps them synced and the stages fed.
"""
