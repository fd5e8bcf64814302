"""Recommended German-capable chat models as GGUF files on Hugging Face, for the 'llama-cpp'
provider and ``wissenswerk models pull``.

Each entry names the repository, the file (4-bit Q4_K_M, a good size/quality balance on CPUs)
and its SHA-256 as published for that file; the download is verified against it and against
the Hub's own LFS metadata. Sizes are approximate and for display only: the exact byte count
comes from the Hub. Licences differ: check the model's licence before use in a company.
"""

from __future__ import annotations

from dataclasses import dataclass

from wissenswerk.core.errors import ConfigError


@dataclass(frozen=True)
class CatalogEntry:
    name: str  # what users type: wissenswerk models pull NAME, WISSENSWERK_LLM__MODEL=NAME
    repo: str  # Hugging Face repository
    filename: str
    sha256: str | None  # None: trust the Hub's LFS metadata alone
    approx_size_gb: float
    context_size: int  # a sensible llm.context_size on a CPU server (the model allows more)
    license: str
    description: str  # German: shown by 'wissenswerk models list'


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        name="llama-3.2-3b-instruct",
        repo="hugging-quants/Llama-3.2-3B-Instruct-Q4_K_M-GGUF",
        filename="llama-3.2-3b-instruct-q4_k_m.gguf",
        sha256="c55a83bfb6396799337853ca69918a0b9bbb2917621078c34570bc17d20fd7a1",
        approx_size_gb=2.0,
        context_size=8192,
        license="Llama 3.2 Community License",
        description="Klein und schnell auf CPUs; Deutsch offiziell unterstützt.",
    ),
    CatalogEntry(
        name="granite-3.3-2b-instruct",
        repo="bartowski/ibm-granite_granite-3.3-2b-instruct-GGUF",
        filename="ibm-granite_granite-3.3-2b-instruct-Q4_K_M.gguf",
        sha256="555b91485955bc96eb445b57dd4bbf8809aa7d8cce7c313f4f8bc5b2340896b4",
        approx_size_gb=1.5,
        context_size=8192,
        license="Apache-2.0",
        description="Sehr klein, für schwache Hardware; Deutsch unterstützt.",
    ),
    CatalogEntry(
        name="granite-3.3-8b-instruct",
        repo="bartowski/ibm-granite_granite-3.3-8b-instruct-GGUF",
        filename="ibm-granite_granite-3.3-8b-instruct-Q4_K_M.gguf",
        sha256="758fb00abcec89df5cf02932165daf72f0d0b74db5019dbe9f2b3defb1e9295e",
        approx_size_gb=4.9,
        context_size=8192,
        license="Apache-2.0",
        description="Ausgewogen: gutes Deutsch bei moderatem Speicherbedarf.",
    ),
    CatalogEntry(
        name="mistral-7b-instruct-v0.3",
        repo="MaziyarPanahi/Mistral-7B-Instruct-v0.3-GGUF",
        filename="Mistral-7B-Instruct-v0.3.Q4_K_M.gguf",
        sha256="14850c84ff9f06e9b51d505d64815d5cc0cea0257380353ac0b3d21b21f6e024",
        approx_size_gb=4.4,
        context_size=8192,
        license="Apache-2.0",
        description="Bewährtes europäisches Modell (Mistral AI).",
    ),
    CatalogEntry(
        name="mistral-nemo-instruct-2407",
        repo="bartowski/Mistral-Nemo-Instruct-2407-GGUF",
        filename="Mistral-Nemo-Instruct-2407-Q4_K_M.gguf",
        sha256="7c1a10d202d8788dbe5628dc962254d10654c853cae6aaeca0618f05490d4a46",
        approx_size_gb=7.5,
        context_size=16384,
        license="Apache-2.0",
        description="12B, sehr gutes Deutsch; braucht rund 10 GB RAM oder eine GPU.",
    ),
)


def find_model(name: str) -> CatalogEntry | None:
    wanted = name.strip().lower()
    return next((e for e in CATALOG if e.name == wanted), None)


def catalog_entry(name: str) -> CatalogEntry:
    entry = find_model(name)
    if entry is None:
        raise ConfigError(
            f"Unknown model {name!r}; recommended models: "
            f"{', '.join(e.name for e in CATALOG)} (see 'wissenswerk models list')."
        )
    return entry
