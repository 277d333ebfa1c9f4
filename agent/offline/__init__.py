"""The offline coach: a deterministic pydantic-ai `FunctionModel` for keyless installs and for tests.

`dates` and `slots` read the values in a message, `intents` what it asks for, `plans` which tools a coach
looks at (in one step or several), `answers` / `coaching` / `proactive` write the reply from the turn's
tool results, and `model` drives it all as a pydantic-ai model.
"""

from agent.offline.intents import Intent, understand
from agent.offline.model import (
    FALLBACK_INTRO,
    INTRO,
    OFFLINE_MODEL_NAME,
    offline_model,
    offline_respond,
    offline_stream,
)

__all__ = [
    "FALLBACK_INTRO",
    "INTRO",
    "OFFLINE_MODEL_NAME",
    "Intent",
    "offline_model",
    "offline_respond",
    "offline_stream",
    "understand",
]
