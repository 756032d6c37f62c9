"""Reproducible model building from ``../shared/data``: recipes, training data and the
resources the embeddings are made from. Flair's side of it is :mod:`anonymizer.model`."""
