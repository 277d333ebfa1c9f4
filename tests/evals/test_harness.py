"""The evaluation end to end on real PostgreSQL and Redis: the athlete built from the real FIT files, a bank
of 200+ questions with expectations from the stored rows, and a real model client (the openai SDK inside
pydantic-ai, against a local server speaking OpenAI's streaming wire format) scored right and wrong."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic_ai.models import override_allow_model_requests
from sqlalchemy.ext.asyncio import AsyncSession

from agent.models import openai_model
from agent.offline import offline_model
from core.runtime import Services
from core.settings import Settings
from evals import bank, truth
from evals.fixture import EVAL_TZ, RECORDINGS, calendar
from evals.runner import Harness, ask, harness
from evals.score import score
from evals.spec import CATEGORIES
from tests.agent.fake_llm import Reply, fake_llm
from tests.support.shared_data import require


@pytest.fixture(autouse=True)
def allow_requests_to_loopback() -> Iterator[None]:
    with override_allow_model_requests(True):
        yield


@pytest.fixture(scope="module")
async def eval_harness(services: Services) -> AsyncIterator[Harness]:
    data = require("fit").parent
    async with harness(Settings(env="test"), offline_model(), data) as h:
        yield h


async def test_the_athlete_is_the_calendar_of_real_recordings_and_the_bank_covers_every_category(
    eval_harness: Harness,
) -> None:
    async with AsyncSession(eval_harness.engine) as session:
        stored = await truth.activities(session, eval_harness.user_id, EVAL_TZ)
        questions = await bank.build(session, eval_harness.user_id)
    planned = calendar()
    assert [(a.day, a.name) for a in stored] == [(day, rec.name) for day, rec in planned]
    # the recordings keep their own figures: every replay of a file has the same distance
    by_name = {
        rec.name: {round(a.distance_km, 3) for a in stored if a.name == rec.name} for rec in RECORDINGS
    }
    assert all(len(distances) == 1 for distances in by_name.values()), by_name
    assert len(questions) >= 200
    assert {q.category for q in questions} == set(CATEGORIES)


async def test_a_real_model_client_is_scored_right_and_wrong(eval_harness: Harness) -> None:
    async with AsyncSession(eval_harness.engine) as session:
        questions = {q.id: q for q in await bank.build(session, eval_harness.user_id)}
        last = truth.runs(await truth.activities(session, eval_harness.user_id, EVAL_TZ))[-1]
    question = questions["fact-last-0"]  # "What was the distance of my last run?"
    settings = Settings(env="test", openai_compatible_model="fake-model")
    right = f"Your last run was {last.distance_km:.2f} km."
    with fake_llm(Reply(tool=("last_activity", "{}")), Reply(text=right)) as fake:
        model = openai_model(settings, compatible=True, base_url=fake.url + "/v1")
        good = await ask(Harness(**{**vars(eval_harness), "model": model}), question)
    assert fake.requests[0]["stream"] is True and good.model == "fake-model"
    assert score(question, good).correct, score(question, good).failures

    wrong = f"Your last run was {last.distance_km + 1.5:.2f} km."
    with fake_llm(Reply(tool=("last_activity", "{}")), Reply(text=wrong)) as fake:
        model = openai_model(settings, compatible=True, base_url=fake.url + "/v1")
        bad = await ask(Harness(**{**vars(eval_harness), "model": model}), question)
    failures = score(question, bad).failures
    assert set(failures) == {"figure:distance", "grounded"}, failures
