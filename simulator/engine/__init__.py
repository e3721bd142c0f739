"""The pure arithmetic: resolve a scenario against a table once, then evaluate it at any date."""
