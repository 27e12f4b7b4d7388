"""Forms for recovery records, one module per kind of record."""
