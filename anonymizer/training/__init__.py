"""Reproducible model building from ``../shared/data``: embeddings, training, quantization."""
