"""Thin Click layer over the library: stdout carries data only, stderr messages and progress."""
