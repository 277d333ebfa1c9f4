"""Small input hardening: obviously weak passwords are refused with a clear reason (sign-up and password
change), and a NUL character in a chat message is a 422 like on every other route (it was a 503 with a
traceback: PostgreSQL refused it mid-turn). The real app, PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from tests.api.conftest import PASSWORD, SignUp, assert_problem, client_for, new_email, register
from tools.account.password_policy import weak_password_reason


@pytest.mark.parametrize("weak", ["12345678", "1234567890", "password1", "Qwertyuiop", "aaaaaaaaaa"])
async def test_sign_up_refuses_an_obviously_weak_password_and_says_why(
    app_factory: Callable[..., FastAPI], weak: str
) -> None:
    async with client_for(app_factory()) as client:
        refused = assert_problem(await register(client, new_email(), weak), 422, "invalid_input")
        reason = weak_password_reason(weak)
        assert reason is not None and refused["detail"] == reason
        assert (await register(client, new_email(), PASSWORD)).status_code == 201, "a strong one is taken"


async def test_a_weak_new_password_is_refused_too(sign_up: SignUp) -> None:
    me = await sign_up()
    changed = await me.client.post(
        "/api/v1/auth/password", json={"current_password": me.password, "new_password": "12345678"}
    )
    assert_problem(changed, 422, "invalid_input")
    assert "only digits" in changed.json()["detail"]


async def test_a_nul_character_in_a_chat_message_is_a_422(sign_up: SignUp) -> None:
    me = await sign_up()
    created = await me.client.post("/api/v1/chat/threads", json={})
    thread = created.json()["id"]
    sent = await me.client.post(f"/api/v1/chat/threads/{thread}/messages", json={"content": "hi\u0000there"})
    problem = assert_problem(sent, 422, "invalid_input")
    assert "NUL" in problem["detail"]
    stored = await me.client.get(f"/api/v1/chat/threads/{thread}")
    assert stored.json()["messages"] == [] and stored.json()["running"] is False
