"""Running stages: the registry, the run ledger, the executor and live events."""
