"""A local GGUF model run in-process by llama.cpp (llama-cpp-python). Needs the extra
``wissenswerk[llm-local]``; nothing leaves the machine.

The model loads on first use, not when the app starts, so commands that never answer with it
stay fast. One llama.cpp context serves one generation at a time; concurrent callers queue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wissenswerk.answering.llm.base import (
    ChatChunk,
    ChatMessage,
    ContextOverflowError,
    LlmError,
    LlmUnavailableError,
    Usage,
    check_fits,
)
from wissenswerk.core.errors import ConfigError

if TYPE_CHECKING:
    import llama_cpp


class LlamaCppChatModel:
    def __init__(
        self,
        model_path: Path,
        *,
        name: str | None = None,
        context_size: int = 4096,
        threads: int | None = None,
        seed: int = 0,
    ) -> None:
        if context_size < 1:
            raise ConfigError(f"context_size must be at least 1, not {context_size}.")
        model_path = Path(model_path)
        if not model_path.is_file():
            raise LlmUnavailableError(
                f"The model file {model_path} does not exist. Download a model with "
                "'wissenswerk models pull NAME' or set WISSENSWERK_LLM__MODEL_PATH to a GGUF file."
            )
        try:
            import llama_cpp  # noqa: F401  (fail now, with the extra's name, not on first use)
        except ImportError as exc:
            raise LlmError(
                "The LLM provider 'llama-cpp' needs llama-cpp-python: "
                "pip install 'wissenswerk[llm-local]' (it compiles llama.cpp, which takes a few "
                "minutes and needs a C++ compiler and cmake)."
            ) from exc
        self.path = model_path
        self.name = name or model_path.stem
        self.context_size = context_size
        self._threads = threads
        self._seed = seed
        self._llama: llama_cpp.Llama | None = None
        self._load_lock = threading.Lock()
        self._generate_lock = threading.Lock()  # a llama.cpp context is not thread-safe

    def count_tokens(self, text: str) -> int:
        # Tokenizing reads only the vocabulary, so it needs no generation lock.
        return len(self._model().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
    ) -> Iterator[ChatChunk]:
        prompt = check_fits(self, messages, max_tokens)
        return self._generate(self._model(), messages, prompt, max_tokens, temperature, stop)

    def close(self) -> None:
        with self._load_lock, self._generate_lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None

    # --- internals ---------------------------------------------------------------------------
    def _model(self) -> llama_cpp.Llama:
        with self._load_lock:
            if self._llama is None:
                import llama_cpp

                try:
                    self._llama = llama_cpp.Llama(
                        model_path=str(self.path),
                        n_ctx=self.context_size,
                        n_threads=self._threads,
                        # Prompts are read with all cores unless told otherwise; spinning
                        # threads on a busy machine are slower than fewer of them.
                        n_threads_batch=self._threads,
                        seed=self._seed,
                        verbose=False,
                    )
                except (ValueError, RuntimeError, OSError) as exc:
                    raise LlmUnavailableError(
                        f"llama.cpp could not load {self.path}: {exc}. Check that it is a "
                        "complete GGUF file of a model this llama.cpp version supports, and "
                        "that there is enough memory for llm.context_size."
                    ) from exc
            return self._llama

    def _generate(
        self,
        llama: llama_cpp.Llama,
        messages: list[ChatMessage],
        prompt: int,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None,
    ) -> Iterator[ChatChunk]:
        import llama_cpp

        counter = _SampledTokens()
        finish_reason: str | None = None
        with self._generate_lock:
            try:
                chunks: Iterator[Any] = llama.create_chat_completion(  # type: ignore[assignment]
                    messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
                    max_tokens=max_tokens,
                    temperature=temperature,
                    stop=list(stop) if stop else None,
                    stream=True,
                    logits_processor=llama_cpp.LogitsProcessorList([counter]),
                )
                for chunk in chunks:
                    choice = chunk["choices"][0]
                    text = choice["delta"].get("content")
                    if text:
                        yield ChatChunk(text)
                    finish_reason = choice.get("finish_reason") or finish_reason
            except ValueError as exc:
                if "context window" in str(exc):
                    raise ContextOverflowError(
                        self.name, prompt, max_tokens, self.context_size
                    ) from exc
                raise LlmError(f"llama.cpp failed to answer with {self.name}: {exc}") from exc
            except RuntimeError as exc:
                raise LlmError(f"llama.cpp failed to answer with {self.name}: {exc}") from exc
        yield ChatChunk("", counter.usage(finish_reason, bool(stop)), finish_reason)


class _SampledTokens:
    """A pass-through logits processor that counts llama.cpp's sampling steps: the first call
    sees the whole prompt, and every call samples one token."""

    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.steps = 0

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self.steps == 0:
            self.prompt_tokens = len(input_ids)
        self.steps += 1
        return scores

    def usage(self, finish_reason: str | None, had_stop_sequences: bool) -> Usage:
        # An answer that ends by itself samples an end-of-text token, which is not output; one
        # cut by a stop sequence is not. With stop sequences the two look alike ("stop"), and
        # the end token may be counted as one token of output.
        ended_itself = finish_reason == "stop" and not had_stop_sequences
        completion = self.steps - 1 if ended_itself and self.steps else self.steps
        return Usage(self.prompt_tokens, completion)
