"""Local fakes of external services, speaking their real HTTP APIs on loopback.

- `FakeGarmin` (garmin_server.py): Garmin Connect SSO + DI OAuth + connectapi, replaying the cassettes.
- `FakeStrava` (strava_server.py): Strava API v3 + OAuth, built from Strava's swagger and example responses.

Both are context managers on a free loopback port, with a request log (`request_log`, `requests_to`) and
fault injection (`inject`). Real client libraries reach them unmodified (see each module's docstring).
"""

from ._core import Fault, FaultInjector, FilePart, Reply, Request
from .garmin_server import FakeGarmin
from .strava_server import FakeStrava

__all__ = ["FakeGarmin", "FakeStrava", "Fault", "FaultInjector", "FilePart", "Reply", "Request"]
