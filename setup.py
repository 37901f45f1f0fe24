"""Packaging: the repository's prompts/, corpus/, ui/ and .streamlit/ go into the wheel as package data, without copies in the tree.

Everything else is in pyproject.toml; setuptools reads both.
"""

from setuptools import find_packages, setup

MAPPED = {
    "assistant.bundled.prompts": "prompts",
    "assistant.bundled.corpus": "corpus",
    "assistant.bundled.streamlit": ".streamlit",
    "assistant.webui": "ui",
}

setup(
    packages=find_packages(include=["assistant", "assistant.*"]) + list(MAPPED),
    package_dir=MAPPED,
    package_data={
        "assistant.bundled.prompts": ["*.md"],
        "assistant.bundled.corpus": ["*", "**/*"],
        "assistant.bundled.streamlit": ["config.toml"],
        "assistant.webui": ["*.py", "views/*.py"],
    },
)
