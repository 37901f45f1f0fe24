"""Per-embedding-model settings profiles: floors and weights come from profiles/<model>.toml."""

from __future__ import annotations

from pathlib import Path

from assistant.profile import Profile, RefusalProfile, load_profile, profile_path, save_profile
from assistant.settings import REPO_ROOT, Settings


def test_the_shipped_model_has_a_profile():
    settings = Settings()

    assert profile_path(settings.profiles_dir, settings.embedding.profile_name).is_file()
    assert settings.profile.model == settings.embedding.model


def test_a_saved_profile_loads_back_unchanged(tmp_path: Path):
    profile = Profile(model="m", calibrated_on=["dev.jsonl"], refusal=RefusalProfile(min_dense=0.9, min_lexical=0.3))

    save_profile(profile, profile_path(tmp_path, "m"), header="test")

    assert load_profile(tmp_path, "m") == profile


def test_a_model_without_a_profile_runs_on_defaults(tmp_path: Path):
    settings = Settings(profiles_dir=tmp_path, embedding={"model": "some-other-model"})

    assert settings.profile.refusal == RefusalProfile()


def test_an_explicit_retrieval_weight_overrides_the_profile(monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_RETRIEVAL__BM25_WEIGHT", "0.5")

    settings = Settings()

    assert settings.profile.fusion.bm25_weight == 0.5
    assert settings.profiles_dir == REPO_ROOT / "profiles"
