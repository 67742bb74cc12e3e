"""The encrypted field vault: SQLCipher database, key file, history, change log, audit, search."""
