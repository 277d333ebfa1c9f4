"""Why a FIT file could not become an activity. Each message names the file, says what is wrong in plain
words and what the user can do; `details` carries the same facts for machines."""

from __future__ import annotations

from core.errors import InvalidInput

_REEXPORT = "Export the original .fit file again (from the watch, Garmin Connect or the app that recorded it)"


class CorruptFitFile(InvalidInput):
    """The bytes are not a complete, intact FIT file: bad header, bad checksum, truncated or misaligned."""

    code = "fit_corrupt"

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(
            f"{filename} could not be read as a FIT file: {reason}. {_REEXPORT} and upload that file.",
            details={"filename": filename, "reason": reason},
        )
        self.filename = filename
        self.reason = reason


class NotAnActivity(InvalidInput):
    """A valid FIT file of another kind (workout, settings, weight, monitoring, …)."""

    code = "fit_not_an_activity"

    def __init__(self, filename: str, file_type: str) -> None:
        super().__init__(
            f"{filename} is a FIT '{file_type}' file, not a recorded activity. Upload the activity file of "
            "a run or ride instead (on Garmin Connect: the activity's ⚙ menu → Export Original).",
            details={"filename": filename, "file_type": file_type},
        )
        self.filename = filename
        self.file_type = file_type


class NoRecords(InvalidInput):
    """An activity file without a single sample (record message)."""

    code = "fit_no_records"

    def __init__(self, filename: str) -> None:
        super().__init__(
            f"{filename} is an activity file but holds no recorded samples (no heart rate, pace or position "
            "over time), so there is nothing to import. If the activity was entered by hand, add it in "
            "RunCoach directly; otherwise export the recorded activity file again.",
            details={"filename": filename},
        )
        self.filename = filename


class MissingTimestamps(InvalidInput):
    """The samples cannot be placed in time: none carries a timestamp, or the device clock was never set and
    the file holds nothing that relates its clock to real time."""

    code = "fit_missing_timestamps"

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(
            f"{filename} cannot be placed in your training history: {reason}. Set the device's clock (pair "
            "it with its app or let it find GPS) and record again, or export the activity from the service "
            "it was synced to.",
            details={"filename": filename, "reason": reason},
        )
        self.filename = filename
        self.reason = reason


class TimestampsOutOfOrder(InvalidInput):
    """Sample timestamps jump backwards by more than the tolerated clock jitter."""

    code = "fit_timestamps_out_of_order"

    def __init__(self, filename: str, *, sample_index: int, back_s: float, tolerance_s: float) -> None:
        super().__init__(
            f"{filename} has samples out of time order: sample {sample_index} is {back_s:g} s earlier than "
            f"an earlier sample (at most {tolerance_s:g} s is tolerated). The file was probably merged or "
            f"edited by another tool; {_REEXPORT[0].lower() + _REEXPORT[1:]} and upload that file.",
            details={
                "filename": filename,
                "sample_index": sample_index,
                "back_s": back_s,
                "tolerance_s": tolerance_s,
            },
        )
        self.filename = filename
