"""The domain: record types, validation and pure business rules; no Qt, no SQL, no I/O."""
