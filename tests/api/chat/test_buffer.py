"""The chat buffer on a real Redis: one turn per thread, ids monotonic across turns, reading from a cursor,
and a turn whose runner died ends with one `interrupted` error for every reader instead of hanging."""

from __future__ import annotations

import asyncio
import uuid

from redis.asyncio import Redis

from agent.events import ErrorEvent, MessageDone, TextDelta, TurnStarted, Usage
from api.chat.buffer import BufferedEvent, ChatBuffer, parse_event_id
from tests.api.chat.conftest import HANG_S


def _started(thread: uuid.UUID) -> TurnStarted:
    return TurnStarted(thread_id=str(thread), title=None, resumed=False)


def _done(text: str) -> MessageDone:
    return MessageDone(message_id=1, text=text, model="m", usage=Usage())


def _key(event_id: str) -> tuple[int, int]:
    ms, seq = event_id.split("-")
    return int(ms), int(seq)


async def _all(buffer: ChatBuffer, thread: uuid.UUID, cursor: str, **kwargs: object) -> list[BufferedEvent]:
    async def read() -> list[BufferedEvent]:
        return [e async for e in buffer.follow(thread, cursor, block_s=0.05, **kwargs)]  # type: ignore[arg-type]

    return await asyncio.wait_for(read(), HANG_S)


async def _turn(buffer: ChatBuffer, thread: uuid.UUID, words: list[str]) -> tuple[str, str]:
    turn = uuid.uuid4().hex
    cursor = await buffer.begin(thread, turn)
    assert cursor is not None
    await buffer.publish_start(thread, turn, cursor)
    await buffer.append(thread, turn, _started(thread))
    for word in words:
        await buffer.append(thread, turn, TextDelta(text=word))
    await buffer.append(thread, turn, _done("".join(words)))
    return turn, cursor


async def test_one_turn_at_a_time_and_the_final_event_frees_the_thread(redis: Redis) -> None:
    buffer = ChatBuffer(redis)
    thread = uuid.uuid4()
    assert await buffer.begin(thread, "a") == "0-0"
    assert await buffer.begin(thread, "b") is None, "a second turn must wait"
    assert await buffer.holder(thread) == "a"
    assert not await buffer.keep(thread, "b") and await buffer.keep(thread, "a")
    await buffer.end(thread, "b")  # not the holder: no effect
    assert await buffer.holder(thread) == "a"
    await buffer.append(thread, "a", _done("ok"))
    assert await buffer.holder(thread) is None
    assert await buffer.begin(thread, "b") is not None


async def test_ids_increase_across_turns_and_readers_resume_from_a_cursor(redis: Redis) -> None:
    buffer = ChatBuffer(redis)
    thread = uuid.uuid4()
    first, first_cursor = await _turn(buffer, thread, ["a", "b", "c"])
    second, second_cursor = await _turn(buffer, thread, ["d", "e"])

    everything = await _all(buffer, thread, "0-0")
    assert [e.turn for e in everything] == [first] * 5 + [second] * 4, "through the latest turn's end"
    ids = [_key(e.id) for e in everything]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), "ids increase strictly, across turns too"

    own = await _all(buffer, thread, second_cursor, turn=second)
    assert [e.type for e in own] == ["turn_started", "text_delta", "text_delta", "message_done"]
    assert [e.id for e in own] == [e.id for e in everything[5:]]
    only_first = await _all(buffer, thread, first_cursor, turn=first)
    assert [e.id for e in only_first] == [e.id for e in everything[:5]], "a turn's reader stops at its end"

    middle = everything[2].id
    resumed = await _all(buffer, thread, middle)
    assert [e.id for e in resumed] == [e.id for e in everything[3:]], "only what came after the cursor"
    assert not await buffer.anything_after(thread, own[-1].id)
    assert await buffer.anything_after(thread, middle)
    latest = await buffer.latest(thread)
    assert latest is not None and latest.turn == second and latest.cursor == second_cursor
    assert first_cursor == "0-0" and second_cursor == everything[4].id


async def test_a_reader_follows_into_a_newer_running_turn(redis: Redis) -> None:
    buffer = ChatBuffer(redis)
    thread = uuid.uuid4()
    await _turn(buffer, thread, ["old"])
    turn = uuid.uuid4().hex
    cursor = await buffer.begin(thread, turn)
    assert cursor is not None
    await buffer.publish_start(thread, turn, cursor)
    await buffer.append(thread, turn, _started(thread))

    reader = asyncio.create_task(_all(buffer, thread, "0-0"))
    await asyncio.sleep(0.2)  # let it read what is there and wait for more (the result does not depend on it)
    await buffer.append(thread, turn, TextDelta(text="new"))
    await buffer.append(thread, turn, _done("new"))
    got = await reader
    assert [e.type for e in got] == [
        "turn_started",
        "text_delta",
        "message_done",
        "turn_started",
        "text_delta",
        "message_done",
    ]


async def test_a_turn_whose_runner_died_ends_once_with_an_error(redis: Redis) -> None:
    buffer = ChatBuffer(redis)
    thread = uuid.uuid4()
    turn = uuid.uuid4().hex
    cursor = await buffer.begin(thread, turn)
    assert cursor is not None
    await buffer.append(thread, turn, _started(thread))
    await buffer.append(thread, turn, TextDelta(text="half an ans"))
    await redis.delete(f"runcoach:chat:{thread}:turn")  # the lock expired: the replica running it is gone

    one, two = await asyncio.gather(_all(buffer, thread, cursor), _all(buffer, thread, cursor))
    assert [e.type for e in one] == ["turn_started", "text_delta", "error"]
    assert [e.id for e in one] == [e.id for e in two], "both readers see the same, single, buffered end"
    error = ErrorEvent.model_validate_json(one[-1].data)
    assert error.code == "interrupted" and error.retryable and one[-1].turn == turn
    assert await _all(buffer, thread, one[-1].id) == []


async def test_a_reader_gives_up_after_its_own_deadline(redis: Redis) -> None:
    buffer = ChatBuffer(redis)
    thread = uuid.uuid4()
    assert await buffer.begin(thread, "stuck") is not None  # held, and nothing ever comes
    got = await _all(buffer, thread, "0-0", max_s=0.2)
    assert [e.type for e in got] == ["error"] and got[0].id == ""
    assert ErrorEvent.model_validate_json(got[0].data).code == "timeout"


def test_event_ids_from_clients() -> None:
    assert parse_event_id("1732000000000-3") == "1732000000000-3"
    assert parse_event_id(" 1732000000000 ") == "1732000000000-0"
    for bad in ("", "abc", "1-2-3", "-1", "1732000000000-x"):
        try:
            parse_event_id(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


async def test_a_turn_sets_the_time_to_live_when_it_starts_and_when_it_ends_not_per_event(
    redis: Redis,
) -> None:
    buffer = ChatBuffer(redis, ttl_s=600)
    thread = uuid.uuid4()
    turn = uuid.uuid4().hex
    cursor = await buffer.begin(thread, turn)
    assert cursor is not None

    async def pexpires() -> int:
        stats = await redis.info("commandstats")
        return int(stats.get("cmdstat_pexpire", {}).get("calls", 0))

    before = await pexpires()
    ids = await buffer.append(
        thread, turn, _started(thread), TextDelta(text="a"), start=cursor, runs_ms=60_000
    )
    assert len(ids) == 2 and _key(ids[0]) < _key(ids[1])
    running_ttl = await redis.pttl(f"runcoach:chat:{thread}:events")
    assert 600_000 < running_ttl <= 660_000, "long enough for the whole turn, set when it starts"
    for word in ["b", "c", "d"]:
        await buffer.append(thread, turn, TextDelta(text=word))
    await buffer.append(thread, turn, _done("abcd"))
    assert await pexpires() - before == 3, (
        "one when the turn starts, two (events, latest) with its final event"
    )
    for part in ("events", "latest"):
        assert 0 < await redis.pttl(f"runcoach:chat:{thread}:{part}") <= 600_000
    assert await buffer.holder(thread) is None, "the final event released the thread"
    events = await _all(buffer, thread, cursor, turn=turn)
    assert [e.type for e in events] == ["turn_started", *["text_delta"] * 4, "message_done"]


async def _xreads(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_xread", {}).get("calls", 0))


async def test_a_reader_of_a_turn_written_here_gets_it_from_the_writer_as_redis_has_it(redis: Redis) -> None:
    writer = ChatBuffer(redis)
    elsewhere = ChatBuffer(redis)  # another replica: only Redis
    thread = uuid.uuid4()
    turn = uuid.uuid4().hex
    cursor = await writer.begin(thread, turn)
    assert cursor is not None
    await writer.append(thread, turn, _started(thread), start=cursor)
    before = await _xreads(redis)
    here = asyncio.create_task(_all(writer, thread, cursor, turn=turn))
    late = None
    for word in ["a", "b", "c"]:
        await asyncio.sleep(0.01)  # the reader waits for each batch (the result does not depend on it)
        ids = await writer.append(thread, turn, TextDelta(text=word))
        late = late or asyncio.create_task(_all(writer, thread, ids[0], turn=turn))  # from a cursor inside
    await writer.append(thread, turn, _done("abc"))
    got, from_middle = await here, await asyncio.wait_for(late, HANG_S)  # type: ignore[arg-type]
    assert await _xreads(redis) == before, "no XREAD for a turn this process writes"

    stored = await _all(elsewhere, thread, cursor, turn=turn)
    assert got == stored, "the same events, ids, data and order as the stream in Redis"
    assert [e.type for e in got] == ["turn_started", "text_delta", "text_delta", "text_delta", "message_done"]
    assert from_middle == stored[2:], "only what came after the reader's cursor"


async def test_a_reader_here_goes_on_from_redis_when_the_writer_ends_without_a_final_event(
    redis: Redis,
) -> None:
    buffer = ChatBuffer(redis)
    thread = uuid.uuid4()
    turn = uuid.uuid4().hex
    cursor = await buffer.begin(thread, turn)
    assert cursor is not None
    await buffer.append(thread, turn, _started(thread), start=cursor)
    reader = asyncio.create_task(_all(buffer, thread, cursor, turn=turn))
    await asyncio.sleep(0.05)  # waiting on the writer (the result does not depend on it)
    await buffer.append(thread, turn, TextDelta(text="half an ans"))
    await buffer.end(thread, turn)  # the writer gave up without its final event (and freed the thread)
    got = await asyncio.wait_for(reader, HANG_S)
    assert [e.type for e in got] == ["turn_started", "text_delta", "error"]
    assert ErrorEvent.model_validate_json(got[-1].data).code == "interrupted" and got[-1].id, (
        "the end comes from Redis, once, with an id"
    )
