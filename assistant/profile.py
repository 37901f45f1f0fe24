"""Per-embedding-model tuning: similarity floors and fusion weights, one TOML profile per model.

The calibration scripts in evals/ write the profiles; settings read them. A model without a profile
runs on the defaults below, which were calibrated for multilingual-e5-small.
"""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FusionProfile(_Section):
    dense_weight: float = Field(1.0, ge=0, description="Clause-chunk dense ranking in reciprocal rank fusion.")
    sentence_weight: float = Field(2.0, ge=0, description="Best-sentence dense ranking in fusion.")
    bm25_weight: float = Field(1.0, ge=0, description="BM25 ranking in fusion.")
    named_document_weight: float = Field(
        2.0, ge=0, description="Lift of a document named in the question, as if one more ranking put it first."
    )


class EvidenceProfile(_Section):
    dense: float = Field(1.0, description="Weight of a sentence's cosine to the question.")
    dense_centre: float = Field(0.8, description="Cosine subtracted first: the middle of the model's cosine band.")
    dense_scale: float = Field(10.0, description="Multiplier that makes centred cosines comparable to overlap.")
    lexical: float = Field(0.6, description="Weight of IDF-weighted bigram overlap.")
    clause_prior: float = Field(0.08, description="Bonus divided by the clause's retrieval rank.")
    top_clauses: int = Field(4, ge=1, description="Retrieved clauses whose sentences are scored.")


class SelectionProfile(_Section):
    margin: float = Field(0.2, ge=0, description="Sentences of other clauses are kept within this of the best score.")
    top_clause_margin: float = Field(0.6, ge=0, description="Sentences of the best clause may trail this far.")
    max_clause_rank: int = Field(3, ge=1, description="Sentences are quoted from the clauses ranked this high.")
    redundancy: float = Field(0.6, ge=0, le=1, description="Bigram Jaccard above which a sentence repeats another.")


class RefusalProfile(_Section):
    min_dense: float = Field(
        0.875, description="Below this best-sentence cosine (and min_lexical) the answer is refused."
    )
    min_lexical: float = Field(0.35, description="Bigram overlap that vouches for a sentence below min_dense.")


class Profile(_Section):
    model: str = Field("", description="The embedding model this profile was calibrated for.")
    calibrated_on: list[str] = Field(default_factory=list, description="Datasets the calibration used.")
    fusion: FusionProfile = Field(default_factory=FusionProfile)
    evidence: EvidenceProfile = Field(default_factory=EvidenceProfile)
    selection: SelectionProfile = Field(default_factory=SelectionProfile)
    refusal: RefusalProfile = Field(default_factory=RefusalProfile)


def profile_path(directory: Path, model: str) -> Path:
    return directory / f"{re.sub(r'[^A-Za-z0-9._-]+', '-', model)}.toml"


def load_profile(directory: Path, model: str) -> Profile:
    """The model's profile; the defaults when it has none (logged, since floors are model-specific)."""
    path = profile_path(directory, model)
    if not path.is_file():
        log.warning("no settings profile for embedding model %s at %s; using defaults", model, path)
        return Profile(model=model)
    with path.open("rb") as handle:
        return Profile.model_validate(tomllib.load(handle))


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def save_profile(profile: Profile, path: Path, header: str = "") -> None:
    """Write the profile as TOML (flat sections of numbers and strings, which is all it holds)."""
    lines = [f"# {line}" for line in header.splitlines()]
    data = profile.model_dump()
    lines += [f"{key} = {_toml_value(value)}" for key, value in data.items() if not isinstance(value, dict)]
    for section, values in data.items():
        if isinstance(values, dict):
            lines += ["", f"[{section}]"] + [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
