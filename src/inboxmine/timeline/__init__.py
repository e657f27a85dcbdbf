"""The timeline of a contact or a company: every message, thread, money and
date mentioned, file, gem and draft, in date order, and who owes a reply.

:mod:`.build` makes it from plain rows (pure); :mod:`.queries` reads the rows.
"""
