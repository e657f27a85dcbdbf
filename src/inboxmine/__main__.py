"""``python -m inboxmine`` runs the command line."""

from inboxmine.cli.main import main

main()
