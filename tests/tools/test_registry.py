"""The tool registry: typed tools, validated arguments, identity from the deps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from tests.factories import create_user
from tools.deps import ToolDeps
from tools.registry import TOOL_MODULES, all_tools, call_tool, get_tool, tool


async def test_whoami_answers_for_the_user_in_the_deps(db: AsyncSession) -> None:
    user = await create_user(db, timezone="Pacific/Auckland", max_hr=190)
    deps = ToolDeps.for_user(db, user, now=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    result = await call_tool("whoami", deps, "{}")
    assert result.model_dump()["email"] == user.email
    assert result.model_dump()["today"] == "2026-11-24"  # already tomorrow in Auckland
    assert result.model_dump()["max_hr"] == 190


async def test_identity_cannot_be_passed_as_an_argument(db: AsyncSession) -> None:
    user = await create_user(db)
    other = await create_user(db)
    deps = ToolDeps.for_user(db, user)
    result = await call_tool("whoami", deps, {"user_id": other.id, "email": other.email})
    assert result.model_dump()["user_id"] == user.id


async def test_unknown_tool_and_bad_arguments_are_clear_errors(db: AsyncSession) -> None:
    deps = ToolDeps.for_user(db, await create_user(db))
    with pytest.raises(NotFound, match="runcoach tool --list"):
        await call_tool("no_such_tool", deps, {})
    with pytest.raises(InvalidInput, match="not valid"):
        await call_tool("whoami", deps, "{not json")


def test_every_listed_module_registers_documented_typed_tools() -> None:
    specs = all_tools()
    assert "whoami" in {s.name for s in specs}
    assert TOOL_MODULES
    for spec in specs:
        assert spec.description and spec.input_model and spec.output_model
        assert spec.summary()["input_schema"]["type"] == "object"
    assert get_tool("whoami").side_effect is False


class In(BaseModel):
    pass


def test_a_tool_without_docstring_or_types_is_refused() -> None:
    with pytest.raises(TypeError, match="docstring"):

        @tool(name="undocumented_test_tool")
        async def undocumented(deps: ToolDeps, args: In) -> In:
            return args

    with pytest.raises(TypeError, match="pydantic"):

        @tool(name="untyped_test_tool")
        async def untyped(deps: ToolDeps, args: dict) -> dict:  # type: ignore[type-arg]
            """Untyped."""
            return args
