"""Data that ships with Fieldkit: scheme rule sets, templates, seed data, fonts, icons."""
