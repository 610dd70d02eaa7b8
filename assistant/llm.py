"""The generation backends as LangChain chat models.

- "llama-cpp": `LlamaCppChat`, a thin `BaseChatModel` over `llama_cpp.Llama` (the GGUF in-process).
- "openai": `langchain_openai.ChatOpenAI` against any OpenAI-compatible endpoint
  (e.g. `python -m llama_cpp.server --model <gguf>`).
- "extractive" has no LLM: `chat_model` refuses it.

`llama_cpp` is imported lazily (only when a model is loaded) so that commands that never generate
start fast. A loaded `Llama` is kept per (path, n_ctx, n_threads) for the life of the process, and
generations on one `Llama` are serialised by a lock (the object is not thread-safe).

Every generation runs on one thread of its own whose scheduling priority is lowered by `llm_nice`
(its OpenMP compute threads inherit it): on 2 cores the model's threads keep both busy, and a lookup
or a page of the app arriving meanwhile then waits for them. Alone, the model runs as fast as before.
"""

from __future__ import annotations

import atexit
import os
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

if TYPE_CHECKING:
    from assistant.config import Settings

_ROLES = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}

_CACHE: dict[tuple[str, int, int], tuple[Any, threading.Lock]] = {}
_CACHE_LOCK = threading.Lock()
_RUNNER: ThreadPoolExecutor | None = None
_DONE = object()


def _runner() -> ThreadPoolExecutor:
    """The one thread every generation runs on, started with the priority `llm_nice` lowers."""
    global _RUNNER
    with _CACHE_LOCK:
        if _RUNNER is None:
            from assistant.config import settings

            nice = settings().llm_nice

            def lower_priority() -> None:
                try:  # on Linux the niceness is per thread; threads made from this one inherit it
                    tid = threading.get_native_id()
                    os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
                except (AttributeError, OSError):  # not Linux, or not allowed: same priority as the rest
                    pass

            _RUNNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm", initializer=lower_priority)
        return _RUNNER


def _on_runner(work: Callable[[], Any]) -> Any:
    return _runner().submit(work).result()


def _stream_on_runner(events: Callable[[], Iterator[Any]]) -> Iterator[Any]:
    """The items of `events()`, produced on the runner thread; stopping early stops it after its item."""
    box: queue.Queue = queue.Queue()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in events():
                box.put(item)
                if stop.is_set():
                    break
        except BaseException as error:  # noqa: BLE001 - raised again on the consumer's side
            box.put(error)
        finally:
            box.put(_DONE)

    future = _runner().submit(produce)
    try:
        while (item := box.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        future.result()  # the Llama is not left mid-generation when its lock is released


def load_llama(path: str | Path, n_ctx: int = 4096, n_threads: int = 2) -> tuple[Any, threading.Lock]:
    """The `llama_cpp.Llama` for this file and settings (loaded once) and the lock guarding it."""
    key = (str(Path(path).resolve()), int(n_ctx), int(n_threads))
    with _CACHE_LOCK:
        if key not in _CACHE:
            if not Path(key[0]).is_file():
                raise FileNotFoundError(f"GGUF model not found: {key[0]} (run `python -m assistant.model_file`)")
            from assistant import cpu_backend
            from assistant.config import settings

            cpu_backend.activate(settings().cpu_variant, settings().cpu_allow_amx)  # before llama.cpp loads
            from llama_cpp import Llama

            llm = Llama(model_path=key[0], n_ctx=key[1], n_threads=key[2], verbose=False)
            atexit.register(llm.close)  # before interpreter teardown: its __del__ then fails noisily
            _CACHE[key] = (llm, threading.Lock())
        return _CACHE[key]


def _to_dicts(messages: list[BaseMessage]) -> list[dict[str, str]]:
    out = []
    for m in messages:
        role = _ROLES.get(m.type)
        if role is None or role == "tool":
            raise ValueError(f"LlamaCppChat cannot send a {m.type!r} message")
        out.append({"role": role, "content": m.text})
    return out


def _usage(prompt_tokens: int | None, completion_tokens: int | None) -> UsageMetadata | None:
    if prompt_tokens is None or completion_tokens is None:
        return None
    return UsageMetadata(
        input_tokens=prompt_tokens, output_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens
    )


class LlamaCppChat(BaseChatModel):
    """Chat model over a local GGUF file through llama-cpp-python (chat template from the file)."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 2
    max_tokens: int = 320
    temperature: float = 0.0
    stop: list[str] | None = None
    seed: int | None = None

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "max_tokens": self.max_tokens,
                "temperature": self.temperature}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return LangSmithParams(ls_provider="llama-cpp", ls_model_name=Path(self.model_path).name,
                               ls_model_type="chat", ls_temperature=kwargs.get("temperature", self.temperature),
                               ls_max_tokens=kwargs.get("max_tokens", self.max_tokens))

    @property
    def llama(self) -> Any:
        return load_llama(self.model_path, self.n_ctx, self.n_threads)[0]

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        stops = [*(self.stop or []), *(stop or []), *(kwargs.pop("stop", None) or [])]
        params: dict[str, Any] = {
            "max_tokens": kwargs.pop("max_tokens", self.max_tokens),
            "temperature": kwargs.pop("temperature", self.temperature),
            "stop": stops or None,
        }
        if (seed := kwargs.pop("seed", self.seed)) is not None:
            params["seed"] = seed
        return {**params, **kwargs}  # other llama_cpp sampling options (top_p, repeat_penalty, ...) pass through

    def count_tokens(self, text: str) -> int:
        return count_tokens(text, self.model_path, self.n_ctx, self.n_threads)

    def _prompt_tokens(self, llm: Any, messages: list[dict[str, str]]) -> int | None:
        """Prompt length as the chat template renders it (llama-cpp gives no usage when streaming)."""
        try:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            template = llm.metadata["tokenizer.chat_template"]
            eos, bos = llm.token_eos(), llm.token_bos()
            fmt = Jinja2ChatFormatter(template=template,
                                      eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
                                      bos_token=llm._model.token_get_text(bos) if bos != -1 else "")
            return len(llm.tokenize(fmt(messages=messages).prompt.encode(), add_bos=False, special=True))
        except Exception:  # noqa: BLE001 - usage is best-effort
            return None

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llm, lock = load_llama(self.model_path, self.n_ctx, self.n_threads)
        params = self._params(stop, kwargs)
        with lock:
            out = _on_runner(lambda: llm.create_chat_completion(messages=_to_dicts(messages), stream=False, **params))
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        meta = {"finish_reason": choice.get("finish_reason"), "model_name": Path(self.model_path).name}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata=_usage(usage.get("prompt_tokens"), usage.get("completion_tokens")),
            response_metadata=meta,
        )
        return ChatResult(
            generations=[ChatGeneration(message=message, generation_info={"finish_reason": meta["finish_reason"]})],
            llm_output={"token_usage": usage, "model_name": meta["model_name"]},
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llm, lock = load_llama(self.model_path, self.n_ctx, self.n_threads)
        dicts = _to_dicts(messages)
        params = self._params(stop, kwargs)
        parts: list[str] = []
        finish_reason = None
        with lock:
            for event in _stream_on_runner(lambda: llm.create_chat_completion(messages=dicts, stream=True, **params)):
                choice = event["choices"][0]
                finish_reason = choice.get("finish_reason") or finish_reason
                text = choice.get("delta", {}).get("content")
                if not text:
                    continue
                parts.append(text)
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
            completion = "".join(parts)
            completion_tokens = len(llm.tokenize(completion.encode(), add_bos=False)) if completion else 0
            usage = _usage(self._prompt_tokens(llm, dicts), completion_tokens)
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="", usage_metadata=usage, chunk_position="last",
                response_metadata={"finish_reason": finish_reason, "model_name": Path(self.model_path).name},
            ),
            generation_info={"finish_reason": finish_reason},
        )


def count_tokens(text: str, model_path: str | Path | None = None, n_ctx: int = 4096, n_threads: int = 2) -> int:
    """Tokens of `text` for the local model (loads it if needed; default: Settings().model_file)."""
    if model_path is None:
        from assistant.config import Settings

        s = Settings()
        model_path, n_ctx, n_threads = s.model_file, s.n_ctx, s.n_threads
    llm, _ = load_llama(model_path, n_ctx, n_threads)
    return len(llm.tokenize(text.encode(), add_bos=False))


def chat_model(settings: Settings, backend: str | None = None) -> BaseChatModel:
    """The chat model for `backend` (default: settings.backend)."""
    backend = backend or settings.backend
    if backend == "llama-cpp":
        from assistant.model_file import ensure_model

        path = settings.model_file
        if not path.is_file():
            path = ensure_model(path)
        return LlamaCppChat(model_path=str(path), n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                            max_tokens=settings.max_tokens, temperature=settings.temperature)
    if backend == "openai":
        if not settings.openai_base_url:
            raise ValueError("backend 'openai' needs an endpoint: set ASSISTANT_OPENAI_BASE_URL "
                             "(e.g. http://127.0.0.1:8080/v1)")
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(base_url=settings.openai_base_url, model=settings.openai_model,
                          api_key=settings.openai_api_key, temperature=settings.temperature,
                          max_tokens=settings.max_tokens, streaming=True, timeout=settings.answer_timeout, max_retries=0)
    if backend == "extractive":
        raise ValueError("backend 'extractive' uses no LLM: there is no chat model to build")
    raise ValueError(f"unknown backend {backend!r}: expected 'llama-cpp', 'openai' or 'extractive'")
