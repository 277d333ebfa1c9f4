"""Personal API tokens: create (the token is shown once), list (never the secret), revoke."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import CurrentAuth, CurrentUser, SessionDep, SettingsDep
from api.errors import problem_responses
from core.errors import Forbidden
from tools.account import tokens as token_store

TAGS = [
    {"name": "tokens", "description": "Personal API tokens for bearer access"},
]
router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a personal API token",
    description="Returns the token once; only its hash is kept. Use it as `Authorization: Bearer <token>` "
    "(no CSRF header needed). Only a signed-in browser session can create tokens (403 with a bearer "
    "token): a token cannot mint more tokens, so revoking a leaked one leaves no copies behind.",
    responses=problem_responses(403, 409),
)
async def create_token(
    body: token_store.NewToken,
    auth: CurrentAuth,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> token_store.CreatedToken:
    if auth.method != "session":
        raise Forbidden(
            "API tokens are created in the web app's settings, signed in with your password: a token "
            "cannot create tokens. Ask the account's owner to make one there."
        )
    response.headers["Cache-Control"] = "no-store"
    return await token_store.create_token(
        session, auth.user.id, body, max_tokens=settings.max_api_tokens_per_user
    )


@router.get("", summary="List your active API tokens", description="Never includes the secrets.")
async def list_tokens(user: CurrentUser, session: SessionDep) -> list[token_store.TokenInfo]:
    return await token_store.list_tokens(session, user.id)


@router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API token",
    description="The token stops working at once. Someone else's token, or one already revoked, is a 404.",
    responses=problem_responses(404),
)
async def revoke_token(token_id: int, user: CurrentUser, session: SessionDep) -> None:
    await token_store.revoke_token(session, user.id, token_id)
