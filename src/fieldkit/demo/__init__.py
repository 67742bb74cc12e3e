"""Synthetic, realistic demo data for the four districts."""
