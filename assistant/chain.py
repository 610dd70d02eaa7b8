"""The retrieval chain: a question in plain words -> an answer whose every sentence cites its paragraph.

Steps, each a named LangChain Runnable so it can be run, traced and tested on its own:
  rules     a request for new text (an email, a speech, code, text in someone's name) or a message that
            only tries to change the rules is refused before any model runs (assistant/question.py)
  rewrite   follow-up -> stand-alone question, from the chat history
  route     citation lookup ("what does 1.6 say") / registry (a cited text that is absent) / answer
  retrieve  hybrid search within the documents the question is about (assistant/scope.py; front matter
            and bare headings only for a question about them; a front-matter question about one
            document quotes its header); a relevance gate refuses when nothing retrieved addresses
            the question
  prompt    the paragraphs scoring near the best, labelled with their real citation labels ([¶1.6] for
            the resolution's own) and normative weight
  generate  the chat model (llama.cpp, OpenAI-compatible) streaming tokens, or extractive quoting
  cite      citations parsed, checked against the given paragraphs, attached per sentence; a sentence
            that only restates the question is followed by its paragraph, verbatim; an answer with
            no supported sentence, or the model's NOT_IN_DOCUMENTS, is a refusal, except that a
            refusal the model was unsure of, or of a yes/no question, or a draft of bare labels,
            quotes the closest passages (if a wh-question shares a word with them)

>>> assistant = Assistant(backend="extractive")
>>> answer = assistant.ask("When does the open-ended working group hold its organizational session?")
>>> answer.citations[0].citation.label
'6'
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda

from assistant import prompts
from assistant.answer import Answer, CitedParagraph, Retrieved, SentenceSupport
from assistant.citations import MARKER, attach_citations, render_answer
from assistant.config import Settings, settings as default_settings
from assistant.llm import LlamaCppChat
from assistant.question import instruction_only, is_question, may_lean_on_conversation, requested_content, yes_no
from assistant.refusal_probe import JudgeProbe, RefusalProbe
from assistant.scope import question_scope
from assistant.support import SupportScorer, content_words, terms
from corpus.lookup import UnknownReference, find_lookup, resolve
from corpus.records import RESOLUTION, Paragraph
from corpus.refs import find_references, resolution_symbol
from corpus.weight import describe, weight

MAX_QUESTION_CHARS = 2000
# The relevance gate (set on evals/data/items.jsonl, see evals/README.md): a question is addressed
# when a retrieved paragraph is close in meaning AND shares its specific words, or is very close.
RELEVANCE_GATE = 0.30  # minimum cosine of the best paragraph
LEXICAL_GATE = 0.20  # share of the question's specific words found in the top paragraphs
STRONG_COSINE = 0.37  # close enough in meaning without shared words (the LLM still decides)
PASSAGE_SHARE = 0.6  # a passage goes into the prompt if its fused score is at least this share of the best
# Words of most questions, stemmed as content_words() gives them ("does" -> "doe").
GENERIC_WORDS = content_words("""resolution document documents text draft paragraph paragraphs say says state states
united nations general assembly ict icts information communication communications technology technologies
what which does tell about mean""")
VERDICT = re.compile(r"(?:yes|no)\b", re.I)
# A question about a document's front matter (symbol, date, sponsors, title...). Any other question
# skips the front matter and bare headings: they repeat the title words that most questions share
# ("open-ended working group", "developments in the field of...") and state nothing.
FRONT_MATTER = re.compile(r"\b(?:title[sd]?|sponsor\w*|co-?sponsor\w*|submitt\w*|tabled|introduc\w*|circulated|distribut\w*"
                         r"|agenda|committee|session|symbol|dated?|language\w*|original|front matter|header|heading)\b", re.I)
# A question about the document's own front matter, which its header answers, quoted (see stream).
HEADER_QUESTION = re.compile(r"\b(?:sponsor\w*|co-?sponsor\w*|submitt\w*|tabled|title[sd]?|symbol|agenda item|"
                             r"original language|which committee)\b", re.I)
RESOLUTION_NUMBER = re.compile(r"\b(?:(Human Rights Council|HRC)\s+)?resolution\s+(\d{1,3}/\d{1,4})\b", re.I)


class Assistant:
    """Answers questions over the corpus. One instance per process (models load once)."""

    def __init__(self, settings: Settings | None = None, backend: str | None = None,
                 corpus=None, searcher=None, llm=None) -> None:
        from assistant import resources

        self.settings = settings or default_settings()
        self.backend = backend or self.settings.backend
        self.corpus = corpus or resources.load(self.settings)
        self._searcher = searcher
        self._llms = {(self.backend, "answer"): llm, (self.backend, "aux"): llm} if llm else {}
        self.rewrite = RunnableLambda(self._rewrite, name="rewrite")
        self.route = RunnableLambda(self._route, name="route")
        self.retrieve = RunnableLambda(self._retrieve, name="retrieve")
        self.prompt = ChatPromptTemplate.from_messages(
            [("system", prompts.ANSWER_SYSTEM), ("human", prompts.ANSWER_USER)])
        self.cite = RunnableLambda(self._cite, name="cite")

    # --- resources -------------------------------------------------------------------------
    @property
    def searcher(self):
        if self._searcher is None:
            from assistant import resources

            self._searcher = resources.searcher(self.settings, self.corpus)
        return self._searcher

    def llm(self, backend: str, purpose: str = "answer"):
        """The chat model for answers, or ("aux") for rewriting and judging.

        With llama.cpp the two are separate instances (a smaller context for the short aux prompts),
        so each keeps its own system prompt in its KV cache and the answer prompt is not re-read.
        """
        key = (backend, purpose)
        if key not in self._llms:
            from assistant.llm import chat_model

            settings = self.settings
            if purpose == "aux" and backend == "llama-cpp":
                settings = settings.model_copy(update={"n_ctx": 2048})
            self._llms[key] = chat_model(settings, backend)
        return self._llms[key]

    def embed(self, texts: list[str]):
        return self.searcher.encoder.encode(texts)

    def scorer(self, backend: str, named: str | None = None) -> SupportScorer:
        judge = None if backend == "extractive" else (lambda claim, passage: self.judge(claim, passage, backend))
        return SupportScorer(self.embed, judge, named)

    def judge(self, claim: str, passage: str, backend: str | None = None) -> bool:
        """The LLM as a strict yes/no support judge. With llama.cpp the verdict is P(YES) at the first
        token against `judge_yes_min`, a margin above the 0.5 where greedy decoding (and so another
        CPU's rounding) flips it; an OpenAI-compatible endpoint gives only its generated word."""
        probability = self.judge_probability(claim, passage, backend)
        return probability >= self.settings.judge_yes_min

    def judge_probability(self, claim: str, passage: str, backend: str | None = None) -> float:
        """P(YES) of the judge (llama.cpp), or 1.0/0.0 for the word an OpenAI-compatible endpoint generates."""
        messages = [("system", prompts.JUDGE_SYSTEM), ("human", prompts.JUDGE_USER.format(passage=passage, claim=claim))]
        chat = self.llm(backend or self.backend, "aux")
        if isinstance(chat, LlamaCppChat):
            probe = JudgeProbe(chat.llama)
            chat.invoke(messages, max_tokens=1, logits_processor=probe.processors())
            return probe.probability or 0.0
        return float(chat.invoke(messages, max_tokens=3).content.strip().upper().startswith("YES"))

    # --- steps ----------------------------------------------------------------------------
    def _rewrite(self, inputs: dict) -> str:
        question, history = inputs["question"], inputs.get("history") or []
        if not history or find_lookup(question):
            return question
        # Whenever the LLM cannot resolve the follow-up, the previous question carries the context.
        with_previous = f"{history[-1][0]} {question}"
        backend = inputs.get("backend", self.backend)
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

    def _route(self, question: str) -> tuple[str, object]:
        """("lookup", reference) | ("registry", [absent symbols]) | ("answer", [partial symbols])."""
        if reference := find_lookup(question):
            return "lookup", reference
        symbols = [r.symbol for r in find_references(question)]
        symbols += [resolution_symbol(m.group(2), "HRC" if m.group(1) else "GA") for m in RESOLUTION_NUMBER.finditer(question)]
        entries = {e.symbol: e for e in self.corpus.registry()}
        absent = [s for s in dict.fromkeys(symbols) if s in entries and entries[s].availability == "absent"]
        if absent and not any(self.corpus.document(s) for s in symbols):
            return "registry", absent
        partial = [s for s in dict.fromkeys(symbols) if (d := self.corpus.document(s)) and d.info.completeness == "partial"]
        return "answer", partial

    def _retrieve(self, inputs: dict) -> list[tuple[Paragraph, float, float]]:
        """(paragraph, fused score, cosine to the question), best first."""
        from embeddings.retriever import ParagraphRetriever

        k = inputs.get("k", self.settings.top_k)
        # Three more than k: room for the headings dropped below.
        retriever = ParagraphRetriever(searcher=self.searcher, k=k + 3, symbols=inputs.get("symbols"))
        found = [(self.corpus.get(d.metadata["symbol"], d.metadata["label"]), d.metadata["score"])
                 for d in retriever.invoke(inputs["question"])]
        found = [(p, score) for p, score in found if p is not None]
        if not FRONT_MATTER.search(inputs["question"]):
            found = [(p, score) for p, score in found if not is_heading(p)] or found
        found = found[:k]
        if not found:
            return []
        vectors = self.embed([inputs["question"], *[p.text for p, _ in found]])
        return [(p, score, float(v @ vectors[0])) for (p, score), v in zip(found, vectors[1:])]

    def _cite(self, inputs: dict) -> list[SentenceSupport]:
        text = inputs["text"]
        # The small model sometimes copies a passage with its heading ('preambular, "Welcoming"'): the
        # heading is the prompt's, not the answer's.
        for paragraph in inputs["given"]:
            if "," in (heading := weight(paragraph, self.corpus)):
                text = text.replace(heading, " ")
        # Numbers of the question and of the given labels are references ("norm 1.4"); any other
        # number the passage lacks is invented.
        named = " ".join([inputs["question"], *(p.label for p in inputs["given"])])
        return attach_citations(text, inputs["given"], self.scorer(inputs["backend"], named))

    # --- the whole chain ---------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[tuple[str, str]] = (), **options) -> Answer:
        """The final answer, without streaming."""
        answer = None
        for event in self.stream(question, history, **options):
            if isinstance(event, Answer):
                answer = event
        return answer

    def stream(self, question: str, history: Sequence[tuple[str, str]] = (), backend: str | None = None,
               k: int | None = None, symbols: list[str] | None = None) -> Iterator[str | Answer]:
        """Yield answer tokens as they are generated, then the verified Answer (always last)."""
        start = time.perf_counter()
        backend = backend or self.backend
        question = (question or "").strip()
        timings: dict[str, float] = {}

        def done(answer: Answer) -> Answer:
            timings["total"] = time.perf_counter() - start
            answer.timings = dict(timings)
            return answer

        if not question:
            yield done(Answer(question, question, "Please type a question.", "refusal", backend, refused=True,
                              refusal_reason="input"))
            return
        if len(question) > MAX_QUESTION_CHARS:
            yield done(Answer(question[:200], "", f"The question is {len(question):,} characters long; "
                              f"please keep it under {MAX_QUESTION_CHARS:,}.", "refusal", backend, refused=True,
                              refusal_reason="input"))
            return

        # Asked for new content (an email, a speech, code, text in someone's name): refused by rule,
        # before any model runs, whatever the model would have done (assistant/question.py).
        if requested_content(question):
            yield done(Answer(question, question, prompts.CONTENT_REFUSAL, "refusal", backend, refused=True,
                              refusal_reason="content request"))
            return
        standalone = self.rewrite.invoke({"question": question, "history": list(history), "backend": backend})
        timings["rewrite"] = time.perf_counter() - start
        route, detail = self.route.invoke(standalone)
        if route == "answer" and instruction_only(question):
            yield done(Answer(question, standalone, prompts.INSTRUCTION_REFUSAL, "refusal", backend, refused=True,
                              refusal_reason="instruction"))
            return
        if route == "lookup":
            yield done(self._lookup_answer(question, standalone, detail, backend))
            return
        if route == "registry":
            yield done(self._registry_answer(question, standalone, detail, backend))
            return

        t = time.perf_counter()
        # The documents the question is about (assistant/scope.py), unless the user chose them.
        scope = symbols or (question_scope(question, self.corpus, history) if self.settings.scope else None)
        scope = list(scope) if scope else None
        if scope and len(scope) == 1 and HEADER_QUESTION.search(question):
            # Who submitted the document, its title, symbol, agenda item: its front matter says, verbatim
            # (the small model, given it in a prompt, answered "sponsored by the General Assembly").
            yield done(self._lookup_answer(question, standalone, f"{scope[0]} ¶header", backend))
            return
        query = standalone
        if history and len(question.split()) < 10 and backend != "extractive":
            # A short follow-up whose rewrite missed the referent still finds it through the last question.
            query = f"{standalone} {history[-1][0]}"
        found = self.retrieve.invoke({"question": query, "k": k or self.settings.top_k, "symbols": scope})
        timings["retrieval"] = time.perf_counter() - t
        retrieved = [Retrieved(p.citation, score, p.text) for p, score, _ in found]
        if not addresses(standalone, found):
            yield done(self._refusal(question, standalone, retrieved, backend, "gate"))
            return

        given = prompt_passages(found)
        if backend == "extractive":
            sentences = self._extractive(found)
            timings["first_token"] = time.perf_counter() - start
            yield render_answer(sentences)
            yield done(Answer(question, standalone, render_answer(sentences) + self._partial_note(detail), "answer",
                              backend, sentences=sentences, citations=self._cited(sentences), retrieved=retrieved))
            return
        else:
            prompted = {p.citation for p in given}
            retrieved = [replace(r, in_prompt=r.citation in prompted) for r in retrieved]
            text, tokens = "", {}
            try:
                messages = self.prompt.invoke({"passages": self._passages(given, standalone), "question": question})
                chat, probe, options = self.llm(backend), None, {}
                if isinstance(chat, LlamaCppChat):
                    probe = RefusalProbe(chat.llama)
                    options["logits_processor"] = probe.processors()
                for chunk in chat.stream(messages, **options):
                    if chunk.usage_metadata:
                        tokens = {"prompt": chunk.usage_metadata["input_tokens"],
                                  "completion": chunk.usage_metadata["output_tokens"]}
                    if not chunk.content:
                        continue
                    if not text:
                        timings["first_token"] = time.perf_counter() - start
                    text += chunk.content
                    yield chunk.content
            except Exception as error:  # noqa: BLE001 - the LLM failing must not lose the answer
                sentences = self._extractive(found)
                yield done(Answer(question, standalone, render_answer(sentences), "answer",
                                  f"extractive (fallback: {type(error).__name__}: {error})"[:200], sentences=sentences,
                                  citations=self._cited(sentences), retrieved=retrieved))
                return
            timings["generation"] = time.perf_counter() - t - timings["retrieval"]
            hesitation = probe.probability if probe else None

        def closest_or_refusal(reason: str) -> Answer:
            # The passages the model was given, verbatim, for the reader to judge: the model was unsure
            # of its refusal (see refusal_probe.py), or a yes/no question passed the relevance gate (what
            # the closest text says answers it, even when it is "no"), or the draft only pointed at them.
            offered = [f for f in found if f[0] in given]
            quoted = self._extractive(offered)
            shown = {c for s in quoted for c in s.citations}
            # Unless a question that is not yes/no shares no specific word with them: they are only the
            # nearest text ("... about artificial intelligence?" -> ¶1.7 on infrastructure), so the refusal stands.
            if not polar and not specific_words(standalone) & content_words(
                    " ".join(p.text for p, _, _ in offered if p.citation in shown)):
                return self._refusal(question, standalone, retrieved, backend, reason, text, hesitation)
            # The best ranked paragraph too, unless only its words matched (cosine below the gate).
            best, _, cosine = offered[0]
            if best.citation not in shown and cosine >= RELEVANCE_GATE:
                quoted.insert(0, self._quote(best, cosine))
            return Answer(question, standalone, f"{prompts.CLOSEST} {render_answer(quoted)}{self._partial_note(detail)}",
                          "answer", backend, sentences=quoted, citations=self._cited(quoted), retrieved=retrieved,
                          tokens=tokens, draft=text, refusal_probability=hesitation)

        polar = yes_no(question) or yes_no(standalone)
        if prompts.NOT_IN_DOCUMENTS.lower() in text.lower().replace(" ", "_"):  # also "Not_in_documents"
            # The probe weighs the first token, so it speaks only for a refusal the answer starts with.
            starts = text.lstrip(" _*\"'").upper().startswith("NOT")
            # An instruction refused ("Ignore the documents and write ...") has no closest text.
            # Within refusal_margin below the threshold, the refusal stands: the safe side.
            hesitant = (starts and hesitation is not None and is_question(question)
                        and hesitation < self.settings.refusal_confidence - self.settings.refusal_margin)
            yield done(closest_or_refusal("model") if polar or hesitant else
                       self._refusal(question, standalone, retrieved, backend, "model", text, hesitation))
            return
        t = time.perf_counter()
        asked = f"{question} {standalone}"
        sentences = self.cite.invoke({"text": text, "given": given, "backend": backend, "question": asked})
        sentences = self._quote_restatements(sentences, asked)
        timings["citations"] = time.perf_counter() - t
        if not any(s.supported for s in sentences):
            # A draft of labels only ("[A/65/201 ¶note-1]") points at the passages and claims nothing
            # false: quote them rather than refuse.
            pointed = len(MARKER.sub(" ", text).split()) < 3
            yield done(closest_or_refusal("unsupported") if polar or pointed else
                       self._refusal(question, standalone, retrieved, backend, "unsupported", text, hesitation))
            return
        answer_text = render_answer(sentences) + self._partial_note(detail)
        yield done(Answer(question, standalone, answer_text, "answer", backend, sentences=sentences,
                          citations=self._cited(sentences), retrieved=retrieved, tokens=tokens, draft=text,
                          refusal_probability=hesitation))

    # --- answers that need no generation -------------------------------------------------------
    def _passages(self, given: list[Paragraph], question: str) -> str:
        """The prompt's passages: real labels, weight, and the text (long ones cut to what matters)."""
        budget = self.settings.prompt_words
        blocks = []
        for paragraph in given:
            if budget > 40:
                text = _fit(paragraph.text, question, max(60, budget // 2) if len(given) > 1 else budget)
            elif len(paragraph.text.split()) <= budget:  # spent: only a short one still fits (a footnote)
                text = paragraph.text
            else:
                continue
            budget -= len(text.split())
            blocks.append(prompts.PASSAGE.format(label=prompt_label(paragraph), weight=weight(paragraph, self.corpus),
                                                 text=text))
        return "\n\n".join(blocks)

    def _extractive(self, found: list[tuple[Paragraph, float, float]]) -> list[SentenceSupport]:
        """No LLM: quote the best paragraph (and the next if it is nearly as close), verbatim."""
        top = found[:3]  # in fused order: hybrid ranks better than cosine alone
        best = max(cos for _, _, cos in top)
        return [self._quote(p, cos) for p, _, cos in top if cos >= best - 0.05][:2]

    def _quote(self, paragraph: Paragraph, score: float = 1.0) -> SentenceSupport:
        """The paragraph verbatim, named: 'Operative paragraph 6 ("Also decides"): “...”'."""
        return SentenceSupport(f"{_upper_first(describe(paragraph, self.corpus))}: “{paragraph.text}”",
                               (paragraph.citation,), True, score)

    def _quote_restatements(self, sentences: list[SentenceSupport], question: str) -> list[SentenceSupport]:
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
                    out.append(self._quote(p))
        return out

    def _lookup_answer(self, question: str, standalone: str, reference: str, backend: str) -> Answer:
        try:
            result = resolve(reference, self.corpus)
        except UnknownReference as error:
            return Answer(question, standalone, f"I could not find that: {error}", "lookup", backend, refused=True,
                          refusal_reason="unknown reference")
        if result.paragraph is None:
            return self._registry_answer(question, standalone, [result.reference.symbol], backend, result.document)
        p = result.paragraph
        sentence = SentenceSupport(p.text, (p.citation,), True, 1.0)
        text = f"{p.citation} ({describe(p, self.corpus)}): “{p.text}”"
        return Answer(question, standalone, text, "lookup", "lookup", sentences=[sentence],
                      citations=self._cited([sentence]), retrieved=[Retrieved(p.citation, 1.0, p.text)])

    def _registry_answer(self, question: str, standalone: str, symbols: list[str], backend: str,
                         document=None) -> Answer:
        from corpus.registry import find_entry

        parts, sentences, absent = [], [], False
        for symbol in symbols:
            entry = find_entry(self.corpus, symbol)
            doc = document or self.corpus.document(symbol)
            if doc is not None:  # what it is: symbol, kind, title and date, from its own front matter
                info, header = doc.info, doc.get("header")
                claim = f"{info.symbol} is the {info.doc_type} “{info.title}”" + (f" of {info.date}." if info.date else ".")
                if header:
                    sentences.append(SentenceSupport(claim, (header.citation,), True, 1.0))
                parts.append(f"{claim} {header.citation}" if header else claim)
            if entry:
                citing = [self.corpus.cite(c) for c in entry.cited_by]
                body = [p for p in citing if p and p.kind != "footnote"] or [p for p in citing if p]
                about = f", which it describes as on {entry.about}" if entry.about and not entry.about.startswith(("Recalling", "Welcoming", "States")) else ""
                dated = f" of {entry.date}" if entry.date else ""
                claim = f"{entry.symbol}{dated} is cited in {', '.join('¶' + p.label for p in body)}{about}."
                sentences.append(SentenceSupport(claim, tuple(p.citation for p in body[:3]), True, 1.0))
                parts.append(f"{claim} {' '.join(str(p.citation) for p in body[:3])}")
            if doc is None:  # what the resolution says of it is shown, but its own text cannot be: refused
                absent = True
                parts.append(prompts.ABSENT_TEXT.format(symbol=symbol) + (f" Note: {entry.note}." if entry and entry.note else ""))
            else:
                parts.append(prompts.PARTIAL_TEXT.format(present=doc.info.present, missing=doc.info.missing)
                             if doc.info.completeness == "partial" else f"Its full text is in the corpus ({len(doc.paragraphs)} paragraphs).")
        return Answer(question, standalone, " ".join(parts), "registry", "registry", sentences=sentences,
                      citations=self._cited(sentences), refused=absent,
                      refusal_reason="absent text" if absent else "")

    def _refusal(self, question: str, standalone: str, retrieved: list[Retrieved], backend: str, reason: str,
                 draft: str = "", refusal_probability: float | None = None) -> Answer:
        closest = ", ".join(str(r.citation) for r in retrieved[:3])
        text = prompts.REFUSAL + (f" The closest paragraphs are {closest}." if closest else "")
        return Answer(question, standalone, text, "refusal", backend, retrieved=retrieved, refused=True,
                      refusal_reason=reason, draft=draft, refusal_probability=refusal_probability)

    def _partial_note(self, partial_symbols) -> str:
        notes = []
        for symbol in partial_symbols or []:
            doc = self.corpus.document(symbol)
            notes.append(f" Note: the corpus holds only part of {symbol} (missing: {doc.info.missing}); "
                         f"add its full text with: assistant ingest FILE --symbol {symbol}")
        return "".join(notes)

    def _cited(self, sentences: Sequence[SentenceSupport]) -> list[CitedParagraph]:
        cited: dict = {}
        for sentence in sentences:
            for citation in sentence.citations:
                p = self.corpus.cite(citation)
                if p and citation not in cited:
                    cited[citation] = CitedParagraph(citation, p.text, p.kind, p.kind_name, p.page, sentence.text)
        return list(cited.values())


def addresses(question: str, found: list[tuple[Paragraph, float, float]]) -> bool:
    """The relevance gate: does anything retrieved address the question? (see the constants)"""
    if not found:
        return False
    best = max(cos for _, _, cos in found)
    wanted = specific_words(question)
    top = set().union(*(content_words(p.text) for p, _, _ in found[:3]))
    lexical = len(wanted & top) / len(wanted) if wanted else 1.0
    return best >= STRONG_COSINE or (best >= RELEVANCE_GATE and lexical >= LEXICAL_GATE)


def specific_words(question: str) -> set[str]:
    """The question's content words that say what it is about (not "resolution", "paragraph", "say")."""
    return content_words(question) - GENERIC_WORDS


def restates(sentence: str, question: str) -> bool:
    """A sentence that says nothing the question did not: "Yes, it is expected to respond.",
    "Non-State actors should States encourage to help improve ICT security under norm 1.13."."""
    return not terms(sentence) - terms(question) - GENERIC_WORDS - {"yes", "no"}


def is_heading(paragraph: Paragraph) -> bool:
    """Front matter and bare headings ("A. Introduction", "ANNEX"): titles, not statements."""
    return paragraph.kind == "header" or paragraph.label.startswith("heading-") or paragraph.label == "annex"


def prompt_passages(found: list[tuple[Paragraph, float, float]]) -> list[Paragraph]:
    """The retrieved paragraphs that go into the prompt: those scoring at least PASSAGE_SHARE of the best.
    Passages far below the best add prompt tokens (reading them is most of the time to first token on a
    CPU) and distract a small model; a question that spans paragraphs keeps the several close ones."""
    return [p for p, score, _ in found if score >= PASSAGE_SHARE * found[0][1]]


def prompt_label(paragraph: Paragraph) -> str:
    """The label a passage carries in the prompt: the resolution's own paragraphs go by their bare label
    ([¶1.6]; its long symbol costs ~20 prompt tokens a passage), other documents' by their full citation."""
    return f"[¶{paragraph.label}]" if paragraph.symbol == RESOLUTION else str(paragraph.citation)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fit(text: str, question: str, words: int) -> str:
    """The paragraph, or if longer than `words`, its sentences/clauses that share most with the question."""
    if len(text.split()) <= words:
        return text
    pieces = re.split(r"(?<=[.;:])\s+", text)
    wanted = content_words(question)
    ranked = sorted(range(len(pieces)), key=lambda i: -len(content_words(pieces[i]) & wanted))
    keep, used = set(), 0
    for i in ranked:
        n = len(pieces[i].split())
        if used + n > words and keep:
            continue
        keep.add(i)
        used += n
    return " … ".join(pieces[i] for i in sorted(keep))
