"""Packaging: the repository's prompts/, corpus/, ui/ and .streamlit/ go into the wheel as package data, without copies in the tree.

Everything else is in pyproject.toml; setuptools reads both.
"""

from setuptools import find_namespace_packages, setup

MAPPED = {
    "assistant.bundled.prompts": "prompts",
    "assistant.bundled.corpus": "corpus",
    "assistant.bundled.streamlit": ".streamlit",
    "assistant.bundled.profiles": "profiles",
    "assistant.webui": "ui",
}

setup(
    packages=find_namespace_packages(include=["assistant", "assistant.*"], exclude=["*.__pycache__"]) + list(MAPPED),
    package_dir=MAPPED,
    package_data={
        # Word lists, thresholds and other data files that live beside the code.
        "": ["*.json", "*.jsonl", "*.toml", "*.txt", "*.tsv", "*.csv", "*.yaml", "*.md"],
        "assistant.bundled.prompts": ["*.md"],
        "assistant.bundled.corpus": ["*", "**/*"],
        "assistant.bundled.streamlit": ["config.toml"],
        "assistant.bundled.profiles": ["*.toml"],
        "assistant.webui": ["*.py", "views/*.py"],
    },
)
