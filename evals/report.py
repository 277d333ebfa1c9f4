"""The evaluation's results: a table per category (fully correct, and each kind of check), and JSON."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from evals.score import Score, Transcript
from evals.spec import CATEGORIES

KINDS = ("tool", "figure", "name", "words", "approval", "effect", "grounded")


def _kind(check: str) -> str:
    return check.split(":", 1)[0].replace("effect_after_approval", "approval")


def summary(results: list[tuple[Score, Transcript]]) -> dict[str, dict[str, Any]]:
    """Per category (and "all"): questions, fully correct, and passed / total per kind of check."""
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"questions": 0, "correct": 0, **{k: [0, 0] for k in KINDS}}
    )
    for s, _ in results:
        for key in (s.question.category, "all"):
            row = rows[key]
            row["questions"] += 1
            row["correct"] += int(s.correct)
            for check, reason in s.checks.items():
                kind = _kind(check)
                if kind in KINDS:
                    row[kind][0] += int(reason is None)
                    row[kind][1] += 1
    order = [c for c in CATEGORIES if c in rows] + ["all"]
    return {c: rows[c] for c in order}


def table(results: list[tuple[Score, Transcript]], *, model: str) -> str:
    rows = summary(results)
    head = f"{'category':<11} {'n':>4} {'correct':>9}  " + "  ".join(f"{k:>9}" for k in KINDS)
    lines = [f"RunCoach eval — model: {model}", head, "-" * len(head)]
    for category, row in rows.items():
        pct = 100 * row["correct"] / row["questions"]
        cells = []
        for kind in KINDS:
            ok, total = row[kind]
            cells.append(f"{ok:>4}/{total:<4}" if total else f"{'–':>9}")
        lines.append(
            f"{category:<11} {row['questions']:>4} {row['correct']:>4} {pct:>3.0f}%  " + "  ".join(cells)
        )
    return "\n".join(lines)


def as_json(results: list[tuple[Score, Transcript]], *, model: str) -> dict[str, Any]:
    return {
        "model": model,
        "summary": summary(results),
        "questions": [
            {
                "id": s.question.id,
                "category": s.question.category,
                "question": s.question.text,
                "correct": s.correct,
                "failures": s.failures,
                "tools_called": [name for name, _ in t.calls],
                "answer": t.answer,
            }
            for s, t in results
        ],
    }
