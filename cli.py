"""`assistant`: the command line. Every subcommand imports what it needs when it runs, so `lookup`,
`docs` and `--help` start without torch, Chroma or the LLM.

    assistant lookup "1.6"                  a paragraph, verbatim, with its citation
    assistant docs                          documents in the corpus and the registry of cited ones
    assistant ingest FILE|DIR... [--replace]  add PDF/text documents, or every one in a folder (resumable)
    assistant index [--rebuild]             build or update the paragraph index
    assistant search "query" [-k N]         ranked paragraphs (hybrid search)
    assistant ask "question" [--json]       a grounded answer with verified citations
    assistant chat                          a conversation in the terminal
    assistant serve                         the Gradio app on http://127.0.0.1:7860
    assistant mcp [--http --port N]         an MCP server (stdio, or streamable HTTP on 127.0.0.1)
    assistant eval [retrieval|answers]      evaluation runs
    assistant doctor                        the CPU backend llama.cpp runs here and what it uses
    assistant rules                         the answer path's rules, each with its purpose, on or off
    assistant trace "PP8" | --text T | --file F  where the same or near wording stands in the corpus
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.config import settings

if TYPE_CHECKING:
    from collections.abc import Iterable

    from assistant.answer import Answer


def _corpus():
    from assistant.resources import load

    return load()


def cmd_lookup(args: argparse.Namespace) -> int:
    from assistant.render import lookup_text
    from corpus.lookup import UnknownReference, resolve

    corpus = _corpus()
    try:
        result = resolve(" ".join(args.reference), corpus)
    except UnknownReference as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        payload = {"reference": asdict(result.reference),
                   "paragraph": asdict(result.paragraph) if result.paragraph else None,
                   "registry": asdict(result.entry) if result.entry else None}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(lookup_text(result, corpus))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from assistant.render import documents_text

    corpus = _corpus()
    if args.json:
        print(json.dumps({"documents": [asdict(d.info) | {"paragraphs": len(d.paragraphs)} for d in corpus.documents.values()],
                          "registry": [asdict(e) for e in corpus.registry()]}, ensure_ascii=False, indent=2))
    else:
        print(documents_text(corpus))
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from corpus.ingest import IngestStatus, find_documents, ingest_files

    s = settings()
    found = find_documents([Path(p) for p in args.paths])
    for path in found.outside:  # a link out of the named folder: not what the user named
        print(f"warning: {path}: skipped, its real path {path.resolve()} is outside the folder", file=sys.stderr)
    if args.symbol and len(found.files) > 1:
        print("error: --symbol names one document; ingest the files one at a time", file=sys.stderr)
        return 2
    if not found.files:
        print(f"error: no PDF or text files in {', '.join(args.paths)}", file=sys.stderr)
        return 2
    if _data_dir_unwritable("ingest", index=not args.no_index):  # before a document is stored or the model loads
        return 2
    # One bar for the whole command (files, a PDF's pages while it is read, then the index), on stderr;
    # messages go above it. Every update is drawn: a redraw costs far less than reading a page.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no second bar from the model's loading
    bar = tqdm(total=len(found.files), desc="ingest", unit="file", file=sys.stderr, dynamic_ncols=True,
               mininterval=0, miniters=1)
    files_done = 0

    def on_page(event) -> None:
        name = event.path.name + (f" (file {files_done + 1}/{len(found.files)})" if len(found.files) > 1 else "")
        if bar.unit != "page":  # a PDF starts
            bar.unit = "page"
            bar.set_description(f"ingest {name}", refresh=False)
            bar.reset(total=event.total)
        if event.done == event.total:  # its pages are read; parsing them is what follows
            bar.set_description(f"parse {name}", refresh=False)
        bar.update(event.done - bar.n)

    def on_result(result) -> None:
        nonlocal files_done
        bar.write(result.message, file=sys.stderr if result.status is IngestStatus.REFUSED else sys.stdout)
        files_done += 1
        if bar.unit == "page":  # back from a PDF's pages to the files
            bar.unit = "file"
            bar.set_description("ingest", refresh=False)
            bar.reset(total=len(found.files))
        bar.update(files_done - bar.n)

    index_stage: str | None = None

    def on_index(stage: str, done: int, total: int) -> None:
        nonlocal index_stage
        # Not bar.desc: tqdm stores it with ": " added, so comparing it reset the bar at every update.
        if stage != index_stage or total != bar.total:
            index_stage = stage
            bar.unit = "chunk"
            bar.set_description(f"index ({stage})", refresh=False)
            bar.reset(total=total)
        bar.update(done - bar.n)

    try:
        results = ingest_files(found.files, s.user_docs_dir, symbol=args.symbol, replace=args.replace,
                               progress=on_result, page_progress=on_page)
        counts = {status: sum(r.status is status for r in results) for status in IngestStatus}
        summary = ", ".join(f"{n} {status.value}" for status, n in counts.items() if n)
        ignored = f" ({len(found.ignored)} other files ignored)" if found.ignored else ""
        bar.write(f"{len(results)} file{'s' if len(results) != 1 else ''}: {summary}{ignored}", file=sys.stdout)
        # The index is synced even when nothing changed: a run that crashed before its sync is finished here.
        if not args.no_index and counts[IngestStatus.REFUSED] < len(results):
            from assistant.resources import sync_index

            report = sync_index(progress=on_index)
            bar.write(f"index: {report}", file=sys.stdout)
    finally:
        bar.close()
    return 1 if counts[IngestStatus.REFUSED] else 0


def cmd_remove(args: argparse.Namespace) -> int:
    from corpus.store import remove_user_document

    if _data_dir_unwritable("remove"):  # before the document is deleted
        return 2
    if not remove_user_document(settings().user_docs_dir, args.symbol):
        print(f"error: {args.symbol} is not a user-ingested document (shipped texts cannot be removed)", file=sys.stderr)
        return 2
    from assistant.resources import sync_index

    print(f"removed {args.symbol}; index: {sync_index()}")
    return 0


def _data_dir_unwritable(command: str, index: bool = True) -> bool:
    """Said on stderr when a folder `command` writes cannot be written (read-only, full): checked
    before anything is written or loaded (assistant/data_dir.py). `index=False`: the index is not
    touched (`ingest --no-index`)."""
    from assistant.data_dir import find_unwritable, folders_written

    problem = find_unwritable(folders_written(settings(), command, index))
    if problem:
        print(f"error: {problem}", file=sys.stderr)
    return problem is not None


def cmd_index(args: argparse.Namespace) -> int:
    from assistant.resources import sync_index

    if _data_dir_unwritable("index"):
        return 2
    print(sync_index(rebuild=args.rebuild))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from assistant.resources import search_text, searcher

    hybrid, query = searcher(), " ".join(args.query)
    searched = search_text(query)
    hits = hybrid.search(searched, k=args.k, mode=args.mode, symbols=args.doc or None, kinds=args.kind or None)
    if searched != query and not args.json:
        print(f"searched with the documents' words: {searched[len(query):].strip()}", file=sys.stderr)
    if args.json:
        from corpus.agreed import AgreedIndex

        agreed = AgreedIndex(hybrid.corpus)
        print(json.dumps([{"citation": str(h.paragraph.citation), "doc": h.paragraph.symbol, "label": h.paragraph.label,
                           "score": h.score, "kind": h.paragraph.kind, "page": h.paragraph.page, "text": h.paragraph.text,
                           "dense_rank": h.dense_rank, "bm25_rank": h.bm25_rank,
                           "same_wording": [str(c) for c in agreed.same_wording(h.paragraph)]} for h in hits],
                         ensure_ascii=False, indent=2))
    else:
        for rank, hit in enumerate(hits, 1):
            text = hit.paragraph.text.replace("\n", " ")
            print(f"{rank:>2}. {hit.score:.4f}  {hit.paragraph.citation}  {text[:110]}{'...' if len(text) > 110 else ''}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.chain import Assistant
    from assistant.render import answer_json, answer_text

    assistant = Assistant(backend=args.backend)
    question = " ".join(args.question)
    if args.json:
        answer = assistant.ask(question)
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        return 0
    answer = _shown(assistant.stream(question))
    print(answer_text(answer, with_answer=False))
    return 0


def _shown(events: Iterable) -> Answer:
    """Print an answer as it streams, then the verified one: the draft streamed to a terminal is the
    model's own text, before its sentences were checked (its wrong claims unmarked, or all of it
    refused), and a lookup or refusal streams nothing. Piped, only the verified answer is printed."""
    live, streamed, answer = sys.stdout.isatty(), [], None
    for event in events:
        if isinstance(event, str):
            streamed.append(event)
            if live:
                print(event, end="", flush=True)
        else:
            answer = event
    shown = live and streamed and "".join(streamed).strip() == answer.text.strip()
    if live and streamed:
        print("\n" if shown else "\n\nChecked against the paragraphs:\n")
    if not shown:
        print(answer.text)
    for note in answer.notes:
        print(note)
    print()
    return answer


def cmd_chat(args: argparse.Namespace) -> int:
    from assistant.chain import Assistant
    from assistant.render import answer_text

    assistant = Assistant(backend=args.backend)
    history: list[tuple[str, str]] = []
    print("Ask about A/C.1/73/L.27/Rev.1 and the documents it cites. Empty line or Ctrl-D to quit.")
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            break
        if not question:
            break
        answer = _shown(assistant.stream(question, history=history))
        print(answer_text(answer, with_answer=False))
        history.append((question, answer.text))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if _data_dir_unwritable("serve"):  # before the app binds its port or loads a model
        return 2
    from ui.app import serve

    return serve(host=args.host, port=args.port, auth=args.auth, no_auth=args.no_auth)


def cmd_mcp(args: argparse.Namespace) -> int:
    if _data_dir_unwritable("mcp"):  # before the server answers a client or loads a model
        return 2
    from ui.mcp_server import run

    return run(http=args.http, host=args.host, port=args.port, no_auth=args.no_auth)


def cmd_eval(args: argparse.Namespace) -> int:
    from evals.__main__ import main as evals_main

    return evals_main([args.what, *(["--suite", args.suite] if args.suite else []),
                       *(["--backend", args.backend] if args.backend else [])])


def cmd_doctor(args: argparse.Namespace) -> int:
    from assistant import cpu_backend

    s = settings()
    try:
        backend = cpu_backend.activate(s.cpu_variant, s.cpu_allow_amx)
        if args.env:  # for a llama_cpp.server started by hand: export "$(assistant doctor --env)"
            print(f"GGML_BACKEND_PATH={backend.chosen.path}")
            return 0
        print(cpu_backend.report(backend, cpu_backend.system_info()))
    except cpu_backend.CpuBackendError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"threads: {s.n_threads}; model: {s.model_file} ({'present' if s.model_file.is_file() else 'missing'})")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from corpus.agreed import AgreedIndex, NotAParagraph, check_json, render_check, render_trace, trace_json

    sources = [bool(args.reference), args.text is not None, args.file is not None]
    if sum(sources) != 1:
        print('error: give one of: a paragraph ("PP8", "A/70/174 ¶26"), --text "...", --file FILE', file=sys.stderr)
        return 2
    index = AgreedIndex(_corpus())
    if args.file is not None or args.check:  # a delegate's draft: judged sentence by sentence
        try:
            text = Path(args.file).read_text(encoding="utf-8") if args.file is not None else args.text
        except (OSError, UnicodeDecodeError) as error:
            print(f"error: cannot read {args.file}: {error}", file=sys.stderr)
            return 2
        check = index.check_statement(text)
        print(json.dumps(check_json(check), ensure_ascii=False, indent=2) if args.json else render_check(check))
        return 0
    try:
        trace = index.trace_reference(" ".join(args.reference)) if args.reference else index.trace(args.text)
    except NotAParagraph as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(trace_json(trace), ensure_ascii=False, indent=2) if args.json else render_trace(trace))
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    for key, value in settings().model_dump().items():
        print(f"ASSISTANT_{key.upper()}={value if value is not None else ''}")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from assistant.rules import RULES

    for rule in RULES:
        state = "on " if settings().rule(rule.name) else "OFF"
        print(f"{state} {rule.name:<30} [{rule.stage}] {rule.purpose}\n{'':35}made for: {rule.origin}")
    print("\nSwitch rules off with ASSISTANT_RULES_OFF=name,name (python -m evals ablate measures each).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.split("\n")[3:]))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("lookup", help="print a paragraph verbatim, or a document's registry entry")
    p.add_argument("reference", nargs="+", help='"1.6", "¶1.6", "PP3", "footnote 2", "A/70/174 ¶26", "resolution 58/199"')
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_lookup)

    p = sub.add_parser("docs", help="list documents and the registry of cited documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("ingest", help="add PDF or text documents (files or folders of them) to the corpus")
    p.add_argument("paths", nargs="+", help="files, or folders searched for *.pdf, *.txt, *.text")
    p.add_argument("--symbol", help="the document symbol, when the text does not give it")
    p.add_argument("--replace", action="store_true",
                   help="replace a document already in the corpus under the same symbol with other text")
    p.add_argument("--no-index", action="store_true", help="do not update the search index")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("remove", help="remove a user-ingested document")
    p.add_argument("symbol")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("index", help="build or update the paragraph index")
    p.add_argument("--rebuild", action="store_true", help="re-encode everything")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="ranked paragraphs for a query")
    p.add_argument("query", nargs="+")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    p.add_argument("--doc", action="append", help="only this document symbol (repeatable)")
    p.add_argument("--kind", action="append", choices=["header", "preambular", "operative", "footnote", "other"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    for name, func, text in (("ask", cmd_ask, "answer one question"), ("chat", cmd_chat, "converse in the terminal")):
        p = sub.add_parser(name, help=text)
        if name == "ask":
            p.add_argument("question", nargs="+")
            p.add_argument("--json", action="store_true")
        p.add_argument("--backend", choices=["llama-cpp", "openai", "extractive"])
        p.set_defaults(func=func)

    p = sub.add_parser("serve", help="start the Gradio app")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--auth", help="user:password (required to bind beyond 127.0.0.1, unless --no-auth)")
    p.add_argument("--no-auth", action="store_true")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("mcp", help="serve lookup, search and ask to MCP clients (stdio, or --http)")
    p.add_argument("--http", action="store_true", help="streamable HTTP on http://HOST:PORT/mcp instead of stdio")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--no-auth", action="store_true", help="allow a --host beyond 127.0.0.1 (the MCP server has no password)")
    p.set_defaults(func=cmd_mcp)

    p = sub.add_parser("eval", help="run an evaluation")
    p.add_argument("what", nargs="?", default="answers", choices=["retrieval", "answers", "judge", "all"])
    p.add_argument("--suite", choices=["fast", "full"])
    p.add_argument("--backend", choices=["llama-cpp", "openai", "extractive"])
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("doctor", help="the CPU's features and the llama.cpp CPU backend chosen for it")
    p.add_argument("--env", action="store_true", help="print GGML_BACKEND_PATH=... for a llama_cpp.server run by hand")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("config", help="print the configuration in force")
    p.set_defaults(func=cmd_config)

    p = sub.add_parser("rules", help="the answer path's rules (assistant/rules.py): purpose, origin, on or off")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("trace", help="where a paragraph's or a text's wording stands in the corpus (agreed language)")
    p.add_argument("reference", nargs="*", help='a paragraph: "PP8", "1.6", "A/70/174 ¶26"')
    p.add_argument("--text", help="pasted text to trace")
    p.add_argument("--file", help="a draft statement (UTF-8 text), checked sentence by sentence")
    p.add_argument("--check", action="store_true", help="check --text sentence by sentence, like --file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_trace)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from embeddings.index import IndexUnavailable

    try:
        return args.func(args)
    except IndexUnavailable as error:  # a read-only or full data folder: said plainly, nothing half-written
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
