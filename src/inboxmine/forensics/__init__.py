"""Header forensics: pure functions that read what a message's headers reveal.

Who really sent it (sender identity, envelope, DKIM), through which email
service provider, how well it authenticates, which servers carried it, whether
it is bulk mail, and when its sender usually writes. No database, no network:
the ``metadata`` stage feeds these functions and stores what they return.
"""
