"""Training load: of one session, stored on each activity, and over days (fitness, fatigue, form).

Pure: `stress` (Banister TRIMP, grade-adjusted pace, rTSS), `science` (CTL/ATL/TSB, acute:chronic ratio,
monotony, strain), `strength` (session-RPE load and strength days in a plan).
Over the athlete's data: `activity` (one activity's load, stored at import), `training_load` (the tool),
`cross_training` (strength and cross-training logged by hand).
"""
