"""Use cases: the transaction boundary between the UI or command line and the store."""
