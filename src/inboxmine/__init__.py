"""inboxmine: turn a mailbox into a ranked, explained list of commercial opportunities."""

__version__ = "0.1.0"
