"""Scenario files: safe YAML in, a validated Scenario out; the JSON schema and starter files."""
