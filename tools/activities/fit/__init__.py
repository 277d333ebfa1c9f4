"""FIT activity files → `ParsedActivity` (typed, SI units, ready for the database). Pure: no I/O."""

from tools.activities.fit.decode import Decoder, decode_fit
from tools.activities.fit.errors import (
    CorruptFitFile,
    MissingTimestamps,
    NoRecords,
    NotAnActivity,
    TimestampsOutOfOrder,
)
from tools.activities.fit.model import ParsedActivity, ParsedLap, SampleColumns

__all__ = [
    "CorruptFitFile",
    "Decoder",
    "MissingTimestamps",
    "NoRecords",
    "NotAnActivity",
    "ParsedActivity",
    "ParsedLap",
    "SampleColumns",
    "TimestampsOutOfOrder",
    "decode_fit",
]
