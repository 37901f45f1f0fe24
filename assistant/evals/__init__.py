"""Evaluation: datasets, metrics, runs."""
