"""People behind addresses: which addresses are one person."""
