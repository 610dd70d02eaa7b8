"""The answer pipeline: a question in plain words -> an answer whose every sentence cites its paragraph.

One pass through typed stages (records in assistant/stages.py), each a method with its own tests;
`stream()` only drives them, and the rules that change what a stage does are named in assistant/rules.py:

  read      what the question is: yes/no, follow-up, display request, scope ... (assistant/features.py),
            after a follow-up is rewritten to stand alone
  route     refused by rule (content request, instruction only) / lookup (a display request, or a
            header question about one document) / registry (a cited text that is absent) / answer
  retrieve  hybrid search within the documents the question is about -> [Found]
  assess    the relevance gate: does anything retrieved address the question? (assistant/assess.py)
  generate  the chat model (llama.cpp, OpenAI-compatible) streaming tokens -> Draft; or, with no model,
            the extractive answer (the best paragraphs, verbatim)
  verify    citations parsed, checked against the given paragraphs, attached per sentence
            (assistant/citations.py, assistant/support.py)
  decide    answer, or refusal (the model's, no supported sentence, the answerability check), a refusal
            showing the closest passages as related text, never as an answer
  render    the Answer record (assistant/answer.py), with the rule that decided it

A question in another UN language (assistant/language.py) goes through the same stages in English
and its checked answer is translated back (assistant/translation.py).

>>> assistant = Assistant(backend="extractive")
>>> answer = assistant.ask("When does the open-ended working group hold its organizational session?")
>>> answer.citations[0].citation.label
'6'
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Generator, Iterator, Sequence
from dataclasses import replace

from langchain_core.prompts import ChatPromptTemplate

from assistant import prompts
from assistant.actors import other_actor
from assistant.answer import Answer, AnswerKind, RefusalReason, Retrieved, SentenceSupport
from assistant.assess import GENERIC_WORDS, addresses
from assistant.citations import attach_citations, render_answer
from assistant.config import Settings, settings as default_settings
from assistant.context import passages_text, prompt_passages
from assistant.features import QuestionFeatures, read_question
from assistant.language import ENGLISH, Language, detect
from assistant.llm import LlamaCppChat
from assistant.question import may_lean_on_conversation
from assistant.quotes import cited, extractive, lookup_answer, partial_notes, quote, registry_answer, same_wording_notes
from assistant.refusal_probe import JudgeProbe, RefusalBan, RefusalProbe
from assistant.sources import uncited_source
from assistant.stages import Draft, Found, Route, RouteKind
from assistant.support import SupportScorer, content_words, terms, unconfirmed
from assistant.translation import in_language
from corpus.lookup import UnknownReference, find_lookup, resolve
from corpus.records import RESOLUTION, Citation, Paragraph
from corpus.refs import find_references, resolution_symbol
from corpus.weight import weight

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
# Answered at start-up by `warm_up`: an answerable question, so generation, the support judge and the
# answerability check all run once and every chat model is loaded with its system prompt cached.
WARM_UP_QUESTION = "What does the draft resolution say about attacks on critical infrastructure?"
TEXT_VECTORS = 20_000  # paragraph vectors kept by `text_vectors` (30 MB of 384-d floats)
RELATED_PASSAGES = 2  # shown beside a refusal: the best-ranked passages the model was given, verbatim
RESOLUTION_NUMBER = re.compile(r"\b(?:(Human Rights Council|HRC)\s+)?resolution\s+(\d{1,3}/\d{1,4})\b", re.I)


class Clock:
    """Seconds since the question arrived, at each named step."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.timings: dict[str, float] = {}

    def mark(self, step: str) -> None:
        self.timings[step] = time.perf_counter() - self.start

    def done(self, answer: Answer) -> Answer:
        self.mark("total")
        answer.timings = dict(self.timings)
        return answer


class Assistant:
    """Answers questions over the corpus. One instance per process (models load once)."""

    def __init__(self, settings: Settings | None = None, backend: str | None = None,
                 corpus=None, searcher=None, llm=None) -> None:
        from assistant import resources

        self.settings = settings or default_settings()
        self.backend = backend or self.settings.backend
        self.corpus = corpus or resources.load(self.settings)
        self._searcher = searcher
        self._agreed = None
        self._text_vectors: dict[str, object] = {}
        self._llms = {(self.backend, purpose): llm for purpose in ("answer", "aux", "check")} if llm else {}
        self.prompt = ChatPromptTemplate.from_messages(
            [("system", prompts.ANSWER_SYSTEM), ("human", prompts.ANSWER_USER)])

    # --- resources -------------------------------------------------------------------------
    @property
    def searcher(self):
        if self._searcher is None:
            from assistant import resources

            self._searcher = resources.searcher(self.settings, self.corpus)
        return self._searcher

    @property
    def agreed(self):
        """The agreed-language index (corpus/agreed.py): which paragraphs share their wording."""
        if self._agreed is None or self._agreed.corpus is not self.corpus:
            from corpus.agreed import AgreedIndex

            self._agreed = AgreedIndex(self.corpus)
        return self._agreed

    def warm_up(self) -> None:
        """Load what the first question would load: the search models, then (with an LLM backend) every
        chat model and its system prompt's cache, by answering `WARM_UP_QUESTION` (not shown to anyone)."""
        self.searcher  # noqa: B018 - loads the encoder and opens the index
        if self.backend != "extractive":
            self.ask(WARM_UP_QUESTION)

    def llm(self, backend: str, purpose: str = "answer"):
        """The chat model for answers, or ("aux") for rewriting and judging, or ("check") for the answerability check.

        With llama.cpp the two are separate instances (a smaller context for the short aux prompts),
        so each keeps its own system prompt in its KV cache and the answer prompt is not re-read.
        """
        key = (backend, purpose)
        if key not in self._llms:
            from assistant.llm import chat_model

            settings = self.settings
            if purpose != "answer" and backend == "llama-cpp":
                settings = settings.model_copy(update={"n_ctx": 2048})
            self._llms[key] = chat_model(settings, backend)
        return self._llms[key]

    def embed(self, texts: list[str]):
        """Vectors for the relevance gate's and the support check's cosines: MiniLM's, whichever encoder
        retrieves (`ASSISTANT_ENCODER`), since their thresholds were set on MiniLM's cosines."""
        if self.settings.encoder == "minilm":
            return self.searcher.encoder.encode(texts)
        from assistant import resources

        return resources.encoder(self.settings.model_copy(update={"encoder": "minilm"})).encode(texts)

    def scorer(self, backend: str, named: str | None = None) -> SupportScorer:
        judge = None if backend == "extractive" else (lambda claim, passage: self.judge(claim, passage, backend))
        checks = [other_actor] if self.settings.rule("same_actor") else []
        return SupportScorer(self.embed, judge, named if self.settings.rule("invented_terms") else None, checks)

    def judge(self, claim: str, passage: str, backend: str | None = None) -> bool:
        """The LLM as a strict yes/no support judge. With llama.cpp the verdict is P(YES) at the first
        token against `judge_yes_min`, a margin above the 0.5 where greedy decoding (and so another
        CPU's rounding) flips it; an OpenAI-compatible endpoint gives only its generated word."""
        probability = self.judge_probability(claim, passage, backend)
        return probability >= self.settings.judge_yes_min

    def judge_probability(self, claim: str, passage: str, backend: str | None = None) -> float:
        """P(YES) of the judge (llama.cpp), or 1.0/0.0 for the word an OpenAI-compatible endpoint generates."""
        messages = [("system", prompts.JUDGE_SYSTEM), ("human", prompts.JUDGE_USER.format(passage=passage, claim=claim))]
        return self.yes_probability(self.llm(backend or self.backend, "aux"), messages)

    @staticmethod
    def yes_probability(chat, messages) -> float:
        """P(YES) at the first token of a YES/NO reply (llama.cpp), or 1.0/0.0 for the generated word."""
        if isinstance(chat, LlamaCppChat):
            probe = JudgeProbe(chat.llama)
            chat.invoke(messages, max_tokens=1, logits_processor=probe.processors())
            return probe.probability or 0.0
        return float(chat.invoke(messages, max_tokens=3).content.strip().upper().startswith("YES"))

    # --- stages -------------------------------------------------------------------------------
    def rewrite(self, question: str, history: Sequence[tuple[str, str]], backend: str) -> str:
        """A follow-up rewritten to stand alone, from the chat history; other questions unchanged."""
        if not history or find_lookup(question):
            return question
        # Whenever the LLM cannot resolve the follow-up, the previous question carries the context.
        with_previous = f"{history[-1][0]} {question}"
        if backend == "extractive":
            return with_previous
        turns = "\n".join(f"User: {q}\nAssistant: {a[:300]}" for q, a in history[-3:])
        messages = [("system", prompts.REWRITE_SYSTEM),
                    ("human", prompts.REWRITE_USER.format(history=turns, question=question))]
        try:
            rewritten = self.llm(backend, "aux").invoke(messages, max_tokens=60).content
        except Exception:  # noqa: BLE001 - a failed rewrite falls back to plain concatenation
            return with_previous
        rewritten = rewritten.strip().strip('"').split("\n")[0]
        # An elliptic follow-up whose rewrite brings in no word of the earlier turns was not resolved
        # ("What about protecting one's own?" came back unchanged).
        earlier = content_words(" ".join(f"{q} {a}" for q, a in history[-3:]))
        unresolved = may_lean_on_conversation(question) and not (content_words(rewritten) - content_words(question)) & earlier
        return with_previous if unresolved or not 3 < len(rewritten) < 400 else rewritten

    def route(self, features: QuestionFeatures) -> Route:
        """Where the question goes: refused by rule, a lookup, the registry, or an answer."""
        rule = self.settings.rule
        if rule("content_request") and features.content_request:
            return Route(RouteKind.REFUSE, "content_request")
        if features.display:
            return Route(RouteKind.LOOKUP, reference=features.display)
        symbols = [r.symbol for r in find_references(features.standalone)]
        symbols += [resolution_symbol(m.group(2), "HRC" if m.group(1) else "GA")
                    for m in RESOLUTION_NUMBER.finditer(features.standalone)]
        symbols = list(dict.fromkeys(symbols))
        entries = {e.symbol: e for e in self.corpus.registry()}
        absent = [s for s in symbols if s in entries and entries[s].availability == "absent"]
        if absent and not any(self.corpus.document(s) for s in symbols):
            return Route(RouteKind.REGISTRY, symbols=tuple(absent))
        if rule("instruction_only") and features.instruction_only:
            return Route(RouteKind.REFUSE, "instruction_only")
        if features.cited and not any(self.resolves(c) for c in features.cited):
            return Route(RouteKind.LOOKUP, reference=features.cited[0])  # it names paragraphs that do not exist
        if rule("header_quote") and features.header_question and features.scope and len(features.scope) == 1:
            # Who submitted the document, its title, symbol, agenda item: its front matter says, verbatim.
            return Route(RouteKind.LOOKUP, "header_quote", reference=f"{features.scope[0]} ¶header")
        partial = [s for s in symbols if (d := self.corpus.document(s)) and d.info.completeness == "partial"]
        return Route(RouteKind.ANSWER, symbols=tuple(partial))

    def resolves(self, reference: str) -> bool:
        try:
            return resolve(reference, self.corpus).paragraph is not None
        except UnknownReference:
            return False

    def retrieve(self, query: str, features: QuestionFeatures, k: int) -> list[Found]:
        """Hybrid search within the question's scope, best first, each with its cosine to the query."""
        from embeddings.retriever import ParagraphRetriever

        # Three more than k: room for the headings dropped below.
        retriever = ParagraphRetriever(searcher=self.searcher, k=k + 3, symbols=list(features.scope or []) or None)
        found = [(self.corpus.get(d.metadata["symbol"], d.metadata["label"]), d.metadata["score"])
                 for d in retriever.invoke(query)]
        found = [(p, score) for p, score in found if p is not None]
        if self.settings.rule("front_matter_only_when_asked") and not features.front_matter:
            found = [(p, score) for p, score in found if not is_heading(p)] or found
        if self.settings.rule("own_wording_first"):
            found = self.own_wording_first(found, features)
        found = found[:k]
        if not found:
            return []
        query_vector = self.embed([query])[0]
        return [Found(p, score, float(v @ query_vector)) for (p, score), v in zip(found, self.text_vectors([p.text for p, _ in found]))]

    def text_vectors(self, texts: list[str]) -> list:
        """`embed` of paragraph texts, each encoded once per process: a paragraph comes back question
        after question, and encoding ten of them took most of a retrieval (0.4-1 s on 2 cores)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._text_vectors))
        if missing:
            if len(self._text_vectors) + len(missing) > TEXT_VECTORS:
                self._text_vectors.clear()  # bounded: a large corpus's paragraphs do not all stay
            self._text_vectors.update(zip(missing, self.embed(missing)))
        return [self._text_vectors[t] for t in texts]

    def own_wording_first(self, found: list[tuple[Paragraph, float]], features: QuestionFeatures) -> list[tuple[Paragraph, float]]:
        """Each paragraph whose wording the document asked about also holds, replaced by that document's own
        (rule own_wording_first); a paragraph that is already there is not repeated."""
        own = features.scope[0] if features.scope and len(features.scope) == 1 else RESOLUTION
        out: dict[Citation, tuple[Paragraph, float]] = {}
        for p, score in found:
            if p.symbol != own and not is_heading(p):
                p = next((q for c in self.agreed.same_wording(p) if c.symbol == own and (q := self.corpus.cite(c))), p)
            out.setdefault(p.citation, (p, score))
        return list(out.values())

    def generate(self, messages, backend: str, clock: Clock, forbid_refusal: bool = False) -> Generator[str, None, Draft]:
        """Yield the model's tokens as they come, and return the Draft. A reply that starts like NOT_IN_DOCUMENTS is
        held back until it is clearly something else, so a refusal is never streamed as an answer."""
        draft = Draft()
        held, deadline = "", time.perf_counter() + self.settings.answer_timeout
        try:
            chat, options, probe = self.llm(backend), {}, None
            if isinstance(chat, LlamaCppChat):
                probe = (RefusalBan if forbid_refusal else RefusalProbe)(chat.llama)
                options["logits_processor"] = probe.processors()
            finished = False  # a finish reason ("stop", "length") came: the stream was not cut
            for chunk in chat.stream(messages, **options):
                finished = finished or bool(chunk.response_metadata.get("finish_reason"))
                if chunk.usage_metadata:
                    draft.tokens = {"prompt": chunk.usage_metadata["input_tokens"],
                                    "completion": chunk.usage_metadata["output_tokens"]}
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"no complete answer within {self.settings.answer_timeout:g} s")
                if not chunk.content:
                    continue
                if not draft.text:
                    clock.mark("first_token")
                draft.text += chunk.content
                held += chunk.content
                if not could_be_refusal(draft.text):
                    yield held
                    held = ""
            if not finished:
                raise ConnectionError("the model's stream ended before it finished (the server went away?)")
        except Exception as error:  # noqa: BLE001 - the LLM failing must not lose the answer
            draft.error = f"{type(error).__name__}: {error}"[:200]
        draft.refused = prompts.NOT_IN_DOCUMENTS.lower() in draft.text.lower().replace(" ", "_")  # also "Not_in_documents"
        if isinstance(probe, RefusalProbe):
            draft.refusal_probability = probe.probability
        clock.mark("generation")
        return draft

    def hesitant(self, draft: Draft, features: QuestionFeatures) -> bool:
        """A model refusal it was unsure of (rule retry_hesitant_refusal): the probe weighs the first token,
        so it speaks only for a refusal the reply starts with; within refusal_margin below the threshold,
        the refusal stands (the safe side of a decision another CPU's rounding can flip)."""
        s = self.settings
        starts = draft.text.lstrip(" _*\"'").upper().startswith("NOT")
        return (starts and draft.refusal_probability is not None and features.is_question
                and draft.refusal_probability < s.refusal_confidence - s.refusal_margin)

    def verify(self, text: str, given: Sequence[Paragraph], features: QuestionFeatures, backend: str) -> list[SentenceSupport]:
        """Per sentence of the draft, the given paragraphs that support it (or none: marked unsupported)."""
        headings = [weight(p, self.corpus) for p in given]
        # Numbers and names of the question and of the given labels and headings are references, not claims.
        named = " ".join([features.question, features.standalone, *(p.label for p in given), *headings])
        sentences = attach_citations(text, given, self.scorer(backend, named))
        if self.settings.rule("named_source"):
            sentences = [unsupported(s) if s.supported and uncited_source(s.text, s.citations, self.corpus) else s
                         for s in sentences]
        if self.settings.rule("confirmed_verdict") and features.yes_no:
            sentences = [self.confirmed(s, features, given) for s in sentences]
        if self.settings.rule("restatement_quote"):
            sentences = self.quote_restatements(sentences, f"{features.question} {features.standalone}")
        return sentences

    def confirmed(self, sentence: SentenceSupport, features: QuestionFeatures, given: Sequence[Paragraph]) -> SentenceSupport:
        """A "Yes" is supported only if its paragraphs state what the question asks to confirm (rule
        confirmed_verdict): "Yes, it reports at its seventy-fifth session" does not confirm "the seventy-fourth"."""
        if not (sentence.supported and YES.match(sentence.text)):
            return sentence
        cited_text = " ".join(p.text for c in sentence.citations if (p := self.corpus.cite(c)))
        if unconfirmed(features.standalone, cited_text, references(sentence.citations, given, self.corpus)):
            return unsupported(sentence)
        return sentence

    def answers_probability(self, question: str, sentences: Sequence[SentenceSupport], backend: str) -> float:
        """P(YES) that the supported sentences give what the question asks for (rule answerability_check)."""
        answer = " ".join(s.text for s in sentences if s.supported)
        messages = [("system", prompts.ANSWERS_SYSTEM),
                    ("human", prompts.ANSWERS_USER.format(question=question, answer=answer))]
        return self.yes_probability(self.llm(backend, "check"), messages)

    def quote_restatements(self, sentences: list[SentenceSupport], question: str) -> list[SentenceSupport]:
        """A sentence that only restates the question ("Yes, it is expected to respond. [¶1.8]") cites
        the paragraph without saying what it says: the paragraph follows, verbatim. The sentence itself
        goes, unless it gives a yes/no verdict."""
        out, quoted = [], set()
        for s in sentences:
            if not (s.supported and s.citations and restates(s.text, question)):
                out.append(s)
                continue
            if VERDICT.match(s.text):
                out.append(s)
            for citation in s.citations:
                if citation not in quoted and (p := self.corpus.cite(citation)):
                    quoted.add(citation)
                    out.append(quote(p, self.corpus))
        return out

    def refusal(self, features: QuestionFeatures, reason: RefusalReason, backend: str, rule: str = "",
                found: Sequence[Found] = (), given: Sequence[Paragraph] = (), draft: Draft | None = None) -> Answer:
        """The documents do not answer it: said plainly, with the closest passages as related text."""
        retrieved = retrieved_records(found, given)
        closest = ", ".join(str(r.citation) for r in retrieved[:3])
        offered = [f for f in found if f.paragraph in given]  # what the model read (none past the gate)
        return Answer(features.question, features.standalone,
                      prompts.REFUSAL + (f" The closest paragraphs are {closest}." if closest else ""),
                      AnswerKind.REFUSAL, backend, retrieved=retrieved, refusal=reason, rule=rule,
                      related=[quote(f.paragraph, self.corpus, f.cosine) for f in offered[:RELATED_PASSAGES]],
                      draft=draft.text if draft else "", tokens=draft.tokens if draft else {},
                      refusal_probability=draft.refusal_probability if draft else None)

    # --- the driver -----------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[tuple[str, str]] = (), **options) -> Answer:
        """The final answer, without streaming."""
        answer = None
        for event in self.stream(question, history, **options):
            if isinstance(event, Answer):
                answer = event
        return answer

    def stream(self, question: str, history: Sequence[tuple[str, str]] = (), backend: str | None = None,
               k: int | None = None, symbols: list[str] | None = None) -> Iterator[str | Answer]:
        """Yield answer tokens as they are generated, then the verified Answer (always last). A question in
        another UN language is answered in English and translated (assistant/translation.py): no tokens."""
        backend, cleaned = backend or self.backend, clean(question or "")
        language = detect(cleaned)
        if language is ENGLISH or backend == "extractive" or input_problem(cleaned):
            yield from self.stream_english(question, history, backend, k, symbols)
            return
        started = time.perf_counter()
        english = self.translate(cleaned, prompts.TRANSLATE_QUESTION_SYSTEM, language, backend) or cleaned
        translated_in = time.perf_counter() - started
        answer = None
        for event in self.stream_english(english, history, backend, k, symbols):
            if isinstance(event, Answer):
                answer = event
        translated = (None if answer.kind is AnswerKind.LOOKUP
                      else self.translate(answer.text, prompts.TRANSLATE_ANSWER_SYSTEM, language, backend))
        answer = in_language(answer, question, language, translated)
        # the English path's own timings (from its start), the question's translation, and the whole
        answer.timings.update(question_translation=translated_in, total=time.perf_counter() - started)
        yield answer

    def translate(self, text: str, system: str, language: Language, backend: str) -> str | None:
        """`text` translated by the aux model under `system` (a TRANSLATE_* prompt, naming `language`).
        None when the model fails: the question is then searched as written, the answer shown in English."""
        messages = [("system", system.format(language=language.name)), ("human", text)]
        try:
            return self.llm(backend, "aux").invoke(messages, max_tokens=400).content.strip() or None
        except Exception as error:  # noqa: BLE001 - a failed translation falls back, said in the answer's notes
            log.warning("translation (%s) failed: %s", language.code, error)
            return None

    def stream_english(self, question: str, history: Sequence[tuple[str, str]], backend: str, k: int | None,
                       symbols: list[str] | None) -> Iterator[str | Answer]:
        """The answer path (English): tokens as they are generated, then the verified Answer."""
        clock = Clock()
        question, rule = clean(question or ""), self.settings.rule
        # A turn refused for its length is no context for the next (it would swamp the rewrite and the query).
        history = [(q, a) for q, a in history if len(q) <= MAX_QUESTION_CHARS]
        if problem := input_problem(question):
            yield clock.done(Answer(question[:200], "", problem, AnswerKind.REFUSAL, backend, refusal=RefusalReason.INPUT))
            return
        standalone = self.rewrite(question, history, backend)
        clock.mark("rewrite")
        features = read_question(question, standalone, history, self.corpus, symbols, rule("scope"))

        route = self.route(features)
        if route.kind is RouteKind.REFUSE:
            text, reason = {"content_request": (prompts.CONTENT_REFUSAL, RefusalReason.CONTENT_REQUEST),
                            "instruction_only": (prompts.INSTRUCTION_REFUSAL, RefusalReason.INSTRUCTION)}[route.rule]
            yield clock.done(Answer(question, standalone, text, AnswerKind.REFUSAL, backend, refusal=reason, rule=route.rule))
            return
        if route.kind is RouteKind.LOOKUP:
            yield clock.done(lookup_answer(question, standalone, route.reference, self.corpus, route.rule, self.agreed))
            return
        if route.kind is RouteKind.REGISTRY:
            yield clock.done(registry_answer(question, standalone, route.symbols, self.corpus))
            return

        found = self.retrieve(standalone, features, k or self.settings.top_k)
        clock.mark("retrieval")
        if rule("relevance_gate") and not addresses(standalone, found):
            yield clock.done(self.refusal(features, RefusalReason.GATE, backend, "relevance_gate", found))
            return
        given, notes = prompt_passages(found), partial_notes(route.symbols, self.corpus)

        if backend == "extractive":
            sentences = extractive(found, self.corpus)
            clock.mark("first_token")
            yield render_answer(sentences)
            yield clock.done(self.answer(features, sentences, backend, found, given, notes=notes))
            return

        messages = self.prompt.invoke({"passages": passages_text(given, standalone, self.corpus, self.settings.prompt_words),
                                       "question": question})
        draft = yield from self.generate(messages, backend, clock)
        if draft.error:
            sentences = extractive(found, self.corpus)
            yield clock.done(self.answer(features, sentences, f"extractive (fallback: {draft.error})"[:200], found, given,
                                         notes=notes))
            return
        if draft.refused and rule("retry_hesitant_refusal") and self.hesitant(draft, features):
            retry = yield from self.generate(messages, backend, clock, forbid_refusal=True)
            if not retry.error:
                draft = replace(retry, refusal_probability=draft.refusal_probability, retried=True)
        if draft.refused:
            yield clock.done(self.refusal(features, RefusalReason.MODEL, backend, "", found, given, draft))
            return
        sentences = self.verify(draft.text, given, features, backend)
        clock.mark("citations")
        decided_by = "retry_hesitant_refusal" if draft.retried else ""
        if not any(s.supported for s in sentences):
            yield clock.done(self.refusal(features, RefusalReason.UNSUPPORTED, backend, decided_by, found, given, draft))
            return
        answerable = None
        if rule("answerability_check"):
            answerable = self.answers_probability(standalone, sentences, backend)  # a follow-up, stand-alone
            clock.mark("answerability")
            if answerable < self.settings.answerable_min:
                refusal = self.refusal(features, RefusalReason.NOT_ANSWERED, backend, "answerability_check", found, given, draft)
                refusal.answerable_probability = answerable
                yield clock.done(refusal)
                return
        yield clock.done(self.answer(features, sentences, backend, found, given, draft, notes, decided_by, answerable))

    def answer(self, features: QuestionFeatures, sentences: list[SentenceSupport], backend: str, found: Sequence[Found],
               given: Sequence[Paragraph], draft: Draft | None = None, notes: Sequence[str] = (), rule: str = "",
               answerable: float | None = None) -> Answer:
        citations = cited(sentences, self.corpus, self.agreed)
        return Answer(features.question, features.standalone, render_answer(sentences), AnswerKind.ANSWER, backend,
                      sentences=sentences, citations=citations, retrieved=retrieved_records(found, given if draft else ()),
                      rule=rule, notes=[*notes, *same_wording_notes(citations)],
                      draft=draft.text if draft else "", tokens=draft.tokens if draft else {},
                      refusal_probability=draft.refusal_probability if draft else None, answerable_probability=answerable)


VERDICT = re.compile(r"(?:yes|no)\b", re.I)
YES = re.compile(r"\W*yes\b", re.I)


def clean(text: str) -> str:
    r"""The text with control and format characters (NUL, ESC, RLO/LRO, zero-width) as spaces, and runs
    of white space as one: what the user sees is what is read.

    >>> clean("What does\x00 paragraph 1.6\u202e say?  ")
    'What does paragraph 1.6 say?'
    """
    return " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Cf") else c for c in text).split())


def input_problem(question: str) -> str | None:
    """Why the question cannot be taken as it is (empty, too long), or None."""
    if not question:
        return "Please type a question."
    if len(question) > MAX_QUESTION_CHARS:
        return f"The question is {len(question):,} characters long; please keep it under {MAX_QUESTION_CHARS:,}."
    return None


def unsupported(sentence: SentenceSupport) -> SentenceSupport:
    """The sentence marked ⚠, its citations dropped: a verify rule found what its paragraphs do not say."""
    return replace(sentence, citations=(), supported=False)


def references(citations: Sequence[Citation], given: Sequence[Paragraph], corpus) -> str:
    """What names text rather than asks about it (rule confirmed_verdict): the given paragraphs' labels, and
    each cited paragraph's document by its symbol ("Does resolution 73/27 ...") or year ("the 2003 resolution")."""
    documents = [d.info for c in citations if (d := corpus.document(c.symbol))]
    return " ".join([*(p.label for p in given), *(i.symbol for i in documents), *(i.date[:4] for i in documents)])


def could_be_refusal(text: str) -> bool:
    """The reply so far is the start of NOT_IN_DOCUMENTS (in any casing, with spaces or underscores)."""
    head = text.lstrip(" _*\"'").upper().replace(" ", "_")
    return len(head) < len(prompts.NOT_IN_DOCUMENTS) + 2 and prompts.NOT_IN_DOCUMENTS.startswith(head.rstrip("._"))


def retrieved_records(found: Sequence[Found], given: Sequence[Paragraph] = ()) -> list[Retrieved]:
    prompted = {p.citation for p in given}
    return [Retrieved(f.paragraph.citation, f.score, f.paragraph.text, f.paragraph.citation in prompted) for f in found]


def restates(sentence: str, question: str) -> bool:
    """A sentence that says nothing the question did not: "Yes, it is expected to respond.",
    "Non-State actors should States encourage to help improve ICT security under norm 1.13."."""
    return not terms(sentence) - terms(question) - GENERIC_WORDS - {"yes", "no"}


def is_heading(paragraph: Paragraph) -> bool:
    """Front matter and bare headings ("A. Introduction", "ANNEX"): titles, not statements."""
    return paragraph.kind == "header" or paragraph.label.startswith("heading-") or paragraph.label == "annex"
