"""Fitness: what the athlete can run now, from VDOT, VO2max and best efforts.

Pure science (numbers in, numbers out; no I/O): `vdot` (Daniels–Gilbert VDOT, equivalent race times, training
paces), `race_times` (race predictions by VDOT and by Riegel), `vo2max` (effective VO2max of one run and the
trend), `marathon_shape`.
Over the athlete's data: `efforts` (best efforts inside recent runs and the VDOT they imply), `vo2max_runs`,
`pacing` (which VDOT a workout or plan is paced from, and why), and the
`race_prediction` and `fitness_metrics` tools.
"""
