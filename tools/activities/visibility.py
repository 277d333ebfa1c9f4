"""Which activities may enter a model's context.

Strava's API policy in force from June 2026 (section 5.3) forbids using Strava API data in the operation of
any AI application, naming ingestion into a model's context window. Activities imported through the Strava
API (`source="strava"`, only when an operator sets `RUNCOACH_STRAVA_API_IMPORT=true`) are therefore left
out of every tool result for a coach turn (`ToolDeps.for_model`), while the API's lists, charts and load
may still use them. The athlete's own bulk export (`strava_export`) is their data and is not affected.
"""

from __future__ import annotations

from core.errors import NotFound
from core.models import Activity
from tools.deps import ToolDeps

#: sources whose activities a model may never see
API_ONLY_SOURCES = ("strava",)


def hidden_sources(deps: ToolDeps) -> tuple[str, ...]:
    """The sources a query must leave out for this call (none outside a model turn)."""
    return API_ONLY_SOURCES if deps.for_model else ()


def check_visible(deps: ToolDeps, activity: Activity) -> Activity:
    """The activity, or `NotFound` for a model turn that may not see it (as if it were not there)."""
    if deps.for_model and activity.source in API_ONLY_SOURCES:
        raise NotFound(
            f"Activity {activity.id} came from the Strava API, which may not be used by the coach (Strava's "
            "API policy); it is in your activity list and charts."
        )
    return activity
