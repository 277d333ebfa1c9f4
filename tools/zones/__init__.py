"""Heart-rate and pace zones, and the anchors they hang on (max HR, resting HR, LTHR, threshold pace).

- `science`: zones by method and estimating the anchors from own data (pure).
- `anchors`: the athlete's anchors — profile, estimated or assumed, and which.
- `zones`: the `zones` tool.
"""
