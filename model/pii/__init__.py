"""Personal data recognizers (PII spans with types from labels.md)."""
