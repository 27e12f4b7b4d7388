"""Staff pages for recovery records, one module per kind of record; urls.py names the views directly."""
