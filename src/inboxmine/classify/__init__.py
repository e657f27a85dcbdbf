"""Stage 4's pure logic: sampling, the sender context, the heuristic classifier,
overrides and rollups. No database access here; the stage does the I/O."""
