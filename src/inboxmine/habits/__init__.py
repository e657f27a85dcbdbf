"""Reading and list habits: per sender and per list, how much arrives, how
much is read and answered, and the one-click unsubscribe link it offers.

Nothing here unsubscribes or sends anything: the links are shown for the
user to use, never followed by inboxmine.
"""
