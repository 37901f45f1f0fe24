"""Shipped data in an installed wheel: setup.py maps the repository's prompts/, corpus/ and .streamlit/ here.

The repository's top-level folders stay the source of truth; see assistant.locations for the lookup.
"""
