"""Reviewing a run: audit summaries and drift, output verification, the review page, the demo."""
