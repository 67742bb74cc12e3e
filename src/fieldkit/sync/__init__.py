"""Client sync engine: pushes the outbox, pulls and merges, through any network fault."""
