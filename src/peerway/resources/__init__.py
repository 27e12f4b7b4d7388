"""The directory of community resources peers refer people to (see docs/resources.md)."""
