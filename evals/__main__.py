"""`python -m evals <subcommand>`: each subcommand is a module with `add_arguments(parser)` and `run(args)`.

    python -m evals retrieval [--out PATH]
    python -m evals answers|judge|all [--suite fast|full] [--backend llama-cpp|openai|extractive] [--out DIR]
    python -m evals stability answer --out FILE | compare FILE FILE...
    python -m evals ablate [--rules a,b] [--tuned FILE] [--held-out FILE,FILE] [--out FILE]

To add a subcommand, add its module name and one-line help to SUBCOMMANDS (and to MODULES when the
module's name differs from the subcommand's).
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS: dict[str, str] = {
    "retrieval": "recall@k, MRR and nDCG@10 of dense, BM25 and hybrid retrieval",
    "answers": "answer metrics: citation recall/precision, key facts, refusal, lookup, invalid citations",
    "judge": "the support judge's accuracy on the labelled judge pairs (score-only, LLM-only, combined)",
    "all": "retrieval + answers + judge in one run, one JSON and one HTML report",
    "stability": "decisions that change with the floating-point path (thread count, CPU backend)",
    "ablate": "each rule of assistant/rules.py switched off in turn: its effect on tuned and held-out items",
}
MODULES: dict[str, str] = {"all": "suite"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description="Run an evaluation.")
    commands = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, help_text in SUBCOMMANDS.items():
        modules[name] = importlib.import_module(f"evals.{MODULES.get(name, name)}")
        modules[name].add_arguments(commands.add_parser(name, help=help_text, description=help_text))
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["retrieval"]:
        argv = _drop_options(argv, ("--suite", "--backend"))  # `assistant eval retrieval --suite X` forwards them
    args = parser.parse_args(argv)
    return int(modules[args.command].run(args) or 0)


def _drop_options(argv: list[str], names: tuple[str, ...]) -> list[str]:
    """argv without the given options and their values ("--suite full" or "--suite=full")."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in names:
            skip = True
        elif not arg.split("=", 1)[0] in names:
            out.append(arg)
    return out


if __name__ == "__main__":
    sys.exit(main())
