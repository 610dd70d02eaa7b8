"""Thumbs up/down (and an optional comment) on answers, stored in SQLite; exported as eval items.

One row per (conversation, turn): rating again replaces the rating (and the comment, if one is
given). The export writes the eval item format of evals/data/items.jsonl, one JSON object a line:

    {"id", "category", "history", "question", "gold", "key_facts", "refuse"}

gold = the cited citations of an up-voted answer ("A/C.1/73/L.27/Rev.1 ¶1.6"), refuse = whether the
answer refused. Down-voted answers have no trustworthy gold, so they are left out unless asked for
(`--include-down`, with gold [] and category "needs-review" for a person to complete). key_facts is
left empty: a person adds the facts an answer must state.

    python -m ui.feedback export PATH [--db DB] [--include-down]
    python -m ui.feedback list [--db DB]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Sequence
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.answer import Answer

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    created       TEXT NOT NULL,
    updated       TEXT NOT NULL,
    conversation  TEXT NOT NULL,
    turn          INTEGER NOT NULL,
    question      TEXT NOT NULL,
    history       TEXT NOT NULL,          -- JSON list of the earlier questions
    answer        TEXT NOT NULL,
    route         TEXT NOT NULL,
    backend       TEXT NOT NULL,
    citations     TEXT NOT NULL,          -- JSON list of "symbol ¶label"
    refused       INTEGER NOT NULL,
    rating        TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment       TEXT NOT NULL DEFAULT '',
    answer_json   TEXT NOT NULL,
    UNIQUE (conversation, turn)
)
"""
RATINGS = ("up", "down")
ITEM_KEYS = ("id", "category", "history", "question", "gold", "key_facts", "refuse")


def _connect(db: Path) -> sqlite3.Connection:
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(db, timeout=10)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(SCHEMA)
    return connection


def record(db: Path, *, conversation: str, turn: int, question: str, history: Sequence[str], answer: "Answer",
           rating: str, comment: str | None = None) -> int:
    """Store (or update) the rating of one answer; returns the row id. comment None keeps the old one."""
    from assistant.render import answer_json

    if rating not in RATINGS:
        raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    citations = [c.citation.key for c in answer.citations]
    with closing(_connect(db)) as connection, connection:
        connection.execute(
            """INSERT INTO feedback (created, updated, conversation, turn, question, history, answer, route, backend,
                                     citations, refused, rating, comment, answer_json)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (conversation, turn) DO UPDATE SET
                   updated = excluded.updated, rating = excluded.rating,
                   comment = CASE WHEN ? THEN excluded.comment ELSE feedback.comment END""",
            (now, now, conversation, int(turn), question, json.dumps(list(history), ensure_ascii=False), answer.text,
             answer.kind.value, answer.backend, json.dumps(citations, ensure_ascii=False), int(answer.refused), rating,
             (comment or "").strip(), json.dumps(answer_json(answer), ensure_ascii=False), comment is not None))
        row = connection.execute("SELECT id FROM feedback WHERE conversation = ? AND turn = ?",
                                 (conversation, int(turn))).fetchone()
    return int(row["id"])


def rows(db: Path) -> list[dict]:
    """Every feedback row, oldest first, JSON columns decoded."""
    if not Path(db).is_file():
        return []
    with closing(_connect(db)) as connection:
        found = connection.execute("SELECT * FROM feedback ORDER BY id").fetchall()
    out = []
    for row in found:
        item = dict(row)
        item["history"] = json.loads(item["history"])
        item["citations"] = json.loads(item["citations"])
        item["refused"] = bool(item["refused"])
        out.append(item)
    return out


def _category(row: dict) -> str:
    if row["rating"] == "down":
        return "needs-review"
    if row["route"] == "lookup":
        return "lookup"
    if row["refused"]:
        return "unanswerable"
    if row["history"]:
        return "followup"
    return "factual"


def eval_items(feedback_rows: Sequence[dict], include_down: bool = False) -> list[dict]:
    """The rows as eval items (keys exactly as evals/data/items.jsonl)."""
    items = []
    for row in feedback_rows:
        if row["rating"] == "down" and not include_down:
            continue
        up = row["rating"] == "up"
        items.append({
            "id": f"fb-{row['conversation'][:8]}-{row['turn']}",
            "category": _category(row),
            "history": list(row["history"]),
            "question": row["question"],
            "gold": list(row["citations"]) if up else [],
            "key_facts": [],
            "refuse": bool(row["refused"]),
        })
    return items


def export_jsonl(db: Path, path: Path, include_down: bool = False) -> int:
    """Write the eval items to `path` (one JSON object a line); returns how many."""
    items = eval_items(rows(db), include_down)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return len(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.feedback", description="Answer feedback stored by the UI.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("export", help="write up-voted answers as eval items (JSONL)")
    p.add_argument("path", type=Path)
    p.add_argument("--db", type=Path, help="feedback database (default: Settings.feedback_db)")
    p.add_argument("--include-down", action="store_true", help="also down-voted answers, gold [], category needs-review")
    p = sub.add_parser("list", help="print the stored feedback")
    p.add_argument("--db", type=Path)
    args = parser.parse_args(argv)
    if args.db is None:
        from assistant.config import settings

        args.db = settings().feedback_db
    if args.command == "export":
        if not args.db.is_file():
            print(f"error: no feedback database at {args.db}", file=sys.stderr)
            return 2
        count = export_jsonl(args.db, args.path, args.include_down)
        print(f"wrote {count} eval item{'s' if count != 1 else ''} to {args.path}")
        return 0
    for row in rows(args.db):
        print(f"{row['id']:>4} {row['updated']} {row['rating']:<4} turn {row['turn']} {row['question'][:70]!r}"
              + (f"  comment: {row['comment'][:60]!r}" if row["comment"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
