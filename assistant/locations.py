"""Where the shipped data and the state live: the source tree in a checkout, the wheel and a per-user folder otherwise."""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
APP_DIR_NAME = "policy-assistant"
# Shipped folder → (its place in the repository, its package inside the installed wheel), as setup.py maps them.
SHIPPED = {
    "prompts": ("prompts", "bundled/prompts"),
    "corpus": ("corpus", "bundled/corpus"),
    "ui": ("ui", "webui"),
    "streamlit": (".streamlit", "bundled/streamlit"),
    "profiles": ("profiles", "bundled/profiles"),
}


def from_checkout() -> bool:
    """True when running from the source tree (pyproject.toml beside the assistant package), as `make run` does."""
    return (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "prompts").is_dir()


def shipped(name: str) -> Path:
    """A shipped folder (prompts, corpus, ui, streamlit): the repository's in a checkout, else the wheel's."""
    in_repo, in_wheel = SHIPPED[name]
    if from_checkout():
        return CHECKOUT / in_repo
    return Path(str(resources.files("assistant").joinpath(in_wheel)))


def user_data_dir() -> Path:
    """The per-user state folder of an installed copy (XDG on Linux, the platform's usual place elsewhere)."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / APP_DIR_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR_NAME
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP_DIR_NAME


def default_data_dir() -> Path:
    return CHECKOUT / ".data" if from_checkout() else user_data_dir()
