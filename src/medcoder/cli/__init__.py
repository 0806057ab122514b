"""Command-line interface (``medcoder``)."""
