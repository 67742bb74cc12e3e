"""Server schema migrations."""
