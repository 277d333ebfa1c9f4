"""The Telegram bot (python-telegram-bot 22).

PTB 22 deprecates integer durations (`RetryAfter.retry_after`, …) in favour of `timedelta` and warns on
every access unless the process opts in with `PTB_TIMEDELTA`; we opt in (our code reads both), so a
flood-control answer from Telegram is never turned into a warning — or, under `-W error`, an exception.
"""

import os

os.environ.setdefault("PTB_TIMEDELTA", "true")
