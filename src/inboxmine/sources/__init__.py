"""Mail sources: readers (mbox, Maildir, .eml, later IMAP/Gmail) that yield
:class:`~inboxmine.sources.base.RawMessage`, the tolerant parser, the store
and the thread builder shared by all of them."""
