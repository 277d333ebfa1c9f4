"""Questions a runner might ask, each with the corpus documents that answer it (any one counts as a hit).

Written as a runner would phrase them, not copied from the headings, so that retrieval has to bridge wording.
"""

from __future__ import annotations

LABELLED_QUESTIONS: list[tuple[str, set[str]]] = [
    ("how long should I taper", {"tapering.md"}),
    ("should I keep doing fast workouts in the last two weeks before my marathon", {"tapering.md"}),
    ("I feel sluggish and heavy legged during my taper, is that normal", {"tapering.md"}),
    ("what does VDOT mean", {"pace-zones-and-vdot.md", "how-runcoach-computes-zones-and-predictions.md"}),
    ("what pace should my easy runs be", {"pace-zones-and-vdot.md", "easy-running-and-80-20.md"}),
    ("how much of my running should be easy", {"easy-running-and-80-20.md"}),
    ("why is running at moderate effort every day a problem", {"easy-running-and-80-20.md"}),
    ("how many grams of carbs per hour in a marathon", {"fuelling-and-hydration.md"}),
    ("can drinking too much water during a race be dangerous", {"fuelling-and-hydration.md"}),
    ("what should I eat for breakfast on race morning", {"fuelling-and-hydration.md", "race-week.md"}),
    ("does coffee help race performance", {"fuelling-and-hydration.md"}),
    ("is 220 minus age accurate for max heart rate", {"heart-rate-zones.md"}),
    (
        "what is the Karvonen formula",
        {"heart-rate-zones.md", "how-runcoach-computes-zones-and-predictions.md"},
    ),
    ("are wrist heart rate monitors reliable", {"heart-rate-zones.md"}),
    ("how is my readiness score calculated", {"how-runcoach-computes-readiness.md", "hrv-and-readiness.md"}),
    (
        "my HRV dropped this morning, should I train hard",
        {"hrv-and-readiness.md", "how-runcoach-computes-readiness.md"},
    ),
    ("what is rMSSD", {"hrv-and-readiness.md", "how-runcoach-computes-readiness.md"}),
    ("how does RunCoach calculate TRIMP", {"how-runcoach-computes-training-load.md"}),
    ("what do CTL ATL and TSB mean", {"how-runcoach-computes-training-load.md"}),
    ("what is a safe acute chronic workload ratio", {"how-runcoach-computes-training-load.md"}),
    (
        "how are race times predicted from a 5k",
        {"how-runcoach-computes-zones-and-predictions.md", "pace-zones-and-vdot.md"},
    ),
    ("what is the Riegel formula", {"how-runcoach-computes-zones-and-predictions.md"}),
    ("my shin hurts when I press on the bone", {"injury-warning-signs.md"}),
    ("when should I stop running because of pain", {"injury-warning-signs.md", "safety-and-limits.md"}),
    ("chest pain and dizziness while running", {"injury-warning-signs.md", "safety-and-limits.md"}),
    ("how do I come back to running after an injury", {"injury-warning-signs.md"}),
    ("what is a good threshold workout", {"intervals-and-threshold.md"}),
    (
        "how many hard workouts per week should I do",
        {"intervals-and-threshold.md", "easy-running-and-80-20.md"},
    ),
    ("what are strides", {"intervals-and-threshold.md"}),
    ("how long should my long run be for a marathon", {"long-runs.md"}),
    ("how fast should I run my long runs", {"long-runs.md"}),
    ("what are base build and peak phases", {"periodization.md"}),
    ("is the 10 percent rule for mileage increases true", {"periodization.md"}),
    ("how often should I take a recovery week", {"periodization.md", "recovery-and-sleep.md"}),
    ("I can't sleep the night before my race", {"race-week.md"}),
    ("how should I pace the first miles of a race", {"race-week.md"}),
    ("how many hours of sleep do runners need", {"recovery-and-sleep.md"}),
    ("signs of overtraining", {"recovery-and-sleep.md", "injury-warning-signs.md"}),
    ("how many kilometres do running shoes last", {"shoes-and-gear.md"}),
    ("are carbon plated shoes worth it", {"shoes-and-gear.md"}),
    ("what strength exercises should runners do", {"strength-and-mobility.md"}),
    ("does stretching prevent injury", {"strength-and-mobility.md"}),
    ("can the coach give me medical advice", {"safety-and-limits.md"}),
]
