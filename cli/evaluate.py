"""`runcoach eval`: score the coach on the question bank — the offline model by default, or a configured one.

runcoach eval                      # the offline coach
runcoach eval --model auto         # whatever GEMINI_API_KEY / OPENAI_API_KEY / OPENAI_BASE_URL configure
runcoach eval --model openai_compatible --json > result.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from core.errors import CoachError
from core.settings import Settings
from evals.spec import CATEGORIES

# `../shared/data` beside the checkout (or the workplace copy, for a clone elsewhere)
DEFAULT_DATA = next(
    (
        path
        for path in (Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data"))
        if (path / "fit").is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "data",
)


def add_parser(sub: Any) -> None:
    ev = sub.add_parser("eval", help="score the coach's answers on questions with known answers")
    ev.add_argument(
        "--model",
        choices=["offline", "auto", "gemini", "openai", "openai_compatible"],
        default="offline",
        help="offline (default); auto = the configured chain; or one provider (its key/URL must be set)",
    )
    ev.add_argument("--category", action="append", choices=CATEGORIES, help="only these categories")
    ev.add_argument("--limit", type=int, help="only the first N questions")
    ev.add_argument("--json", dest="as_json", action="store_true", help="the whole result as JSON")
    ev.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="the shared real data set (../shared/data)"
    )
    ev.add_argument("--failures", action="store_true", help="also list every failed question and why")
    ev.set_defaults(func=cmd_eval)


async def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from agent.models import build_model
    from evals import report
    from evals.planted import measure
    from evals.runner import harness, run

    chosen = settings.model_copy(update={"llm_provider": args.model})
    model = build_model(chosen)
    async with harness(chosen, model, args.data) as h:
        results = await run(h, categories=args.category, limit=args.limit)
    name = results[0][1].model if results and results[0][1].model else model.model_name
    grounding = measure(results)
    if args.as_json:
        out = report.as_json(results, model=name)
        out["grounding"] = {
            **vars(grounding),
            "planted_rate": grounding.planted_rate,
            "correct_rate": grounding.correct_rate,
        }
        print(json.dumps(out, indent=2, default=str))
        return 0
    print(report.table(results, model=name))
    print(grounding.line())
    if args.failures:
        for s, t in results:
            if not s.correct:
                print(f"\n{s.question.id} [{s.question.category}] {s.question.text}")
                for check, why in s.failures.items():
                    print(f"  ✗ {check}: {why}")
                print("  answer: " + t.answer.replace("\n", " ")[:300])
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from cli.process import run, services_ready

    if not (args.data / "fit").is_dir():
        raise CoachError(
            f"The eval needs the shared real data set; {args.data}/fit was not found (--data DIR)."
        )
    services_ready(settings)
    try:
        return run(_eval(args, settings))
    except FileNotFoundError as exc:
        print(f"runcoach eval: {exc}", file=sys.stderr)
        return 1
