"""One repair round for a real model's answer whose figures the grounding check could not trace.

The ungrounded figures go back to the model with the turn's evidence (tool results, retrieved text, the
athlete's message) and it rewrites the answer, without tools, in one request. The offline coach is never
asked (its figures come from tools by construction) and a failed repair keeps the original answer: the
figures still ungrounded afterwards are marked inside the answer by the caller.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from pydantic_ai import Agent
from pydantic_ai.models import Model
from pydantic_ai.models.fallback import FallbackModel
from pydantic_ai.usage import UsageLimits

from agent.compute import ungated
from agent.offline import OFFLINE_MODEL_NAME

log = logging.getLogger(__name__)

EVIDENCE_CHARS = 24_000

INSTRUCTIONS = (
    "You are RunCoach's fact checker. Rewrite the coach's answer so that every figure in it appears in the "
    "evidence (tool results, retrieved text and the athlete's message), in the same unit. Correct a figure "
    "when the evidence has the right one; otherwise leave it out. Keep the coach's voice, structure and "
    "advice. Reply with the rewritten answer only."
)


@dataclass(frozen=True)
class Repaired:
    text: str
    input_tokens: int
    output_tokens: int


def remote_part(model: Model) -> Model | None:
    """The model without the offline coach behind it (None when only the offline coach is left)."""
    model = ungated(model)
    if isinstance(model, FallbackModel):
        remote = [m for m in model.models if m.model_name != OFFLINE_MODEL_NAME]
        if not remote:
            return None
        return remote[0] if len(remote) == 1 else FallbackModel(remote[0], *remote[1:])
    return None if model.model_name == OFFLINE_MODEL_NAME else model


def _evidence(sources: list[Any]) -> str:
    text = json.dumps(sources, default=str, ensure_ascii=False)
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + " …(cut)"


async def repair(model: Model, answer: str, flagged: list[str], sources: list[Any]) -> Repaired | None:
    """The answer rewritten by the model in one request, or None when there is no remote model or it fails."""
    remote = remote_part(model)
    if remote is None:
        return None
    prompt = (
        f"The answer:\n{answer}\n\nFigures not found in the evidence: {', '.join(flagged)}\n\n"
        f"The evidence (JSON):\n{_evidence(sources)}"
    )
    try:
        result = await Agent(remote, output_type=str, instructions=INSTRUCTIONS).run(
            prompt, usage_limits=UsageLimits(request_limit=1)
        )
    except Exception as exc:  # a repair is a bonus: its failure keeps the original answer, marked
        log.warning("grounding repair failed: %s: %s", type(exc).__name__, exc)
        return None
    text = result.output.strip()
    if not text:
        return None
    return Repaired(text, result.usage.input_tokens or 0, result.usage.output_tokens or 0)
