"""Pipeline stages; each module declares one ``STAGE`` (see inboxmine.runner.stage)."""
