"""Measuring the pipeline: gold documents, scoring and the leak rate, synthetic documents."""
