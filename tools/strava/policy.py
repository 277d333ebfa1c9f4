"""Strava's rules on API data, in one place.

Strava's API Agreement (November 2024) restricts the use of API data in AI models, and its API policy in
force from June 2026 (section 5.3) forbids using Strava API data in the operation of any AI application,
naming ingestion into a model's context window. RunCoach is a coach driven by a model, so importing
activities through the Strava API is off unless the operator turns it on (`RUNCOACH_STRAVA_API_IMPORT`).
Uploading the athlete's own activities *to* Strava is not affected, nor is importing the athlete's own bulk
export ("Download or delete your account" on strava.com), which is their data, not API data.
"""

from __future__ import annotations

from core.errors import InvalidInput
from core.settings import get_settings

API_IMPORT_OFF = (
    "Importing activities through the Strava API is turned off: Strava's API policy (section 5.3, in force "
    "from June 2026) forbids using Strava API data in any AI application, including a model's context. "
    "Export your data from strava.com (Settings → My Account → Download or delete your account) and import "
    "the archive (export_….zip) here instead: `runcoach import`, the web upload or the Telegram bot take it "
    "whole. Uploading your activities to Strava still works."
)


class StravaApiImportOff(InvalidInput):
    code = "strava_api_import_off"


def api_import_enabled() -> bool:
    return get_settings().strava_api_import


def require_api_import() -> None:
    """Raise `StravaApiImportOff` (with what to do instead) unless the operator enabled API import."""
    if not api_import_enabled():
        raise StravaApiImportOff(API_IMPORT_OFF, details={"setting": "RUNCOACH_STRAVA_API_IMPORT"})
