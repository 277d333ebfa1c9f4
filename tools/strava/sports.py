"""Strava's activity types as RunCoach names them (the sport and sub-sport a FIT import would give).

Used by the API sync (`sport_type` such as "TrailRun") and the bulk export's `activities.csv` (display names
such as "Trail Run" or "Weight Training"). Pure.
"""

from __future__ import annotations

import re

#: Strava sport type → (sport, sub_sport) as the FIT import names them
SPORTS: dict[str, tuple[str, str | None]] = {
    "Run": ("running", None),
    "TrailRun": ("running", "trail"),
    "VirtualRun": ("running", "virtual_activity"),
    "Ride": ("cycling", None),
    "MountainBikeRide": ("cycling", "mountain"),
    "GravelRide": ("cycling", "gravel_cycling"),
    "VirtualRide": ("cycling", "virtual_activity"),
    "EBikeRide": ("e_biking", None),
    "EMountainBikeRide": ("e_biking", "mountain"),
    "Handcycle": ("cycling", "hand_cycling"),
    "Swim": ("swimming", None),
    "Walk": ("walking", None),
    "Hike": ("hiking", None),
    "Workout": ("training", None),
    "WeightTraining": ("training", "strength_training"),
    "Yoga": ("training", "yoga"),
    "Pilates": ("training", "pilates"),
    "Crossfit": ("training", None),
    "HighIntensityIntervalTraining": ("training", "hiit"),
    "Elliptical": ("fitness_equipment", "elliptical"),
    "StairStepper": ("fitness_equipment", "stair_climbing"),
    "Rowing": ("rowing", None),
    "VirtualRow": ("rowing", "indoor_rowing"),
    "NordicSki": ("cross_country_skiing", None),
    "AlpineSki": ("alpine_skiing", None),
    "BackcountrySki": ("alpine_skiing", "backcountry"),
    "Snowboard": ("snowboarding", None),
    "Snowshoe": ("snowshoeing", None),
    "StandUpPaddling": ("stand_up_paddleboarding", None),
    "Kayaking": ("kayaking", None),
    "Canoeing": ("paddling", None),
    "Surfing": ("surfing", None),
    "InlineSkate": ("inline_skating", None),
    "IceSkate": ("ice_skating", None),
    "RockClimbing": ("rock_climbing", None),
}


def strava_sport(kind: str | None) -> tuple[str, str | None]:
    """(sport, sub_sport) for a Strava activity type, by API name or display name; unknown → generic."""
    key = re.sub(r"[^A-Za-z]", "", kind or "") or "Workout"
    for name, sport in SPORTS.items():
        if name.lower() == key.lower():
            return sport
    return "generic", re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()[:32]
