"""Telegram-safe text: HTML that Telegram's parser (the fake's) accepts, split under 4096 characters;
streamed replies throttled on a controlled clock and continued in a new message past the limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from telegram import Bot

from bots.telegram.format import TELEGRAM_LIMIT, split_html, to_html
from bots.telegram.streaming import StreamedReply
from tests.fakes.telegram import TOKEN, FakeTelegram, parse_html


def test_markdown_becomes_balanced_html_with_everything_else_escaped() -> None:
    html = to_html("# Week 3\n**Tempo** run: 5 x 1 km @ <4:30/km & `HR < 170`\n- *easy* jog_home")
    text, entities = parse_html(html)
    assert text == "Week 3\nTempo run: 5 x 1 km @ <4:30/km & HR < 170\n• easy jog_home"
    assert [e["type"] for e in entities] == ["bold", "bold", "code", "italic"]
    # unbalanced markers stay literal instead of breaking the message
    assert (
        parse_html(to_html("2*3 = 6 and a ** b, snake_case_name"))[0] == "2*3 = 6 and a ** b, snake_case_name"
    )


@pytest.mark.parametrize("unit", ["word ", "**b** ", "<&> " * 3, "é" * 50 + "\n\n", "x" * 5000])
def test_long_text_is_split_into_valid_messages(unit: str) -> None:
    text = unit * (12_000 // len(unit) + 1)
    parts = split_html(text)
    assert len(parts) >= 2
    plain = [parse_html(p)[0] for p in parts]
    assert all(len(p) <= TELEGRAM_LIMIT for p in parts)
    # nothing is lost: the parts together hold every visible character (whitespace at cuts aside)
    assert "".join(plain).replace(" ", "").replace("\n", "") == parse_html(to_html(text))[0].replace(
        " ", ""
    ).replace("\n", "")


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


async def test_edits_are_throttled_and_the_end_is_always_written(telegram: FakeTelegram) -> None:
    clock = [0.0]
    async with Bot(TOKEN, base_url=f"{telegram.api_url}/bot") as bot:
        reply = StreamedReply(bot, 1, interval_s=1.0, clock=lambda: clock[0])
        for i in range(30):  # 30 deltas arriving within 3 seconds
            await reply.delta(f"piece {i} ")
            clock[0] += 0.1
        await reply.finish()
    sends, edits = telegram.calls_of("sendMessage"), telegram.calls_of("editMessageText")
    assert len(sends) == 1
    assert len(edits) <= 3  # at most one write per second of the clock
    [message] = telegram.bot_messages(1)
    assert message["text"] == " ".join(f"piece {i}" for i in range(30))


async def test_a_reply_past_the_limit_continues_in_a_new_message(telegram: FakeTelegram) -> None:
    async with Bot(TOKEN, base_url=f"{telegram.api_url}/bot") as bot:
        reply = StreamedReply(bot, 2, interval_s=0.0)
        for _ in range(10):
            await reply.delta("Long paragraph of advice. " * 40 + "\n\n")
        await reply.finish()
    messages = telegram.bot_messages(2)
    # paragraphs of 1,042 characters are kept whole: three fit in 4,096, so ten take four messages
    assert len(messages) == 4 and all(len(m["text"]) <= TELEGRAM_LIMIT for m in messages)
    assert sum(m["text"].count("advice") for m in messages) == 400
