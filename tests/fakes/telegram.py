"""A local fake of the Telegram Bot API on loopback, speaking its real HTTP protocol.

python-telegram-bot reaches it unmodified through `base_url` / `base_file_url`
(`http://127.0.0.1:<port>/bot{token}` and `/file/bot{token}`). It implements what RunCoach uses, with
Telegram's own rules where they matter to us:

- `getMe`, `getUpdates` (long polling: waits until an update arrives or the timeout, capped at
  `max_poll_wait_s` to keep tests quick; `offset` confirms earlier updates), `sendMessage`,
  `editMessageText` ("message is not modified" when nothing changes), `editMessageReplyMarkup`,
  `answerCallbackQuery`, `sendChatAction`, `getFile` + the file download, `setWebhook` /
  `deleteWebhook` / `getWebhookInfo`, `setMyCommands`.
- `parse_mode=HTML` is parsed like Telegram does: only its tags, balanced, else 400 "can't parse
  entities"; the stored message is the plain text plus entities (UTF-16 offsets), and a text over 4096
  characters after parsing is 400 "message is too long".
- A wrong token is 401; an unknown method 404; errors use Telegram's `{"ok": false, ...}` shape, and an
  injected 429 carries `parameters.retry_after` (see `inject`).

The test plays the human with `user_sends`, `user_sends_document` and `user_presses`, and reads
`chat(chat_id)` (the messages as they are now), `calls` (every Bot API call, in order) and `transcript()`.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from tests.fakes._core import FakeService, Fault, Reply, Request

TOKEN = "123456:TEST-runcoach-fake-token"
BOT_ID = 123456
BOT_USERNAME = "runcoach_test_bot"
LIMIT = 4096
_ALLOWED_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "u": "underline",
    "s": "strikethrough",
}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class EntityParseError(ValueError):
    pass


class _TelegramHtml(HTMLParser):
    """Telegram's HTML: a few tags, properly nested; everything else is an error."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self.stack: list[tuple[str, int, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}"')
        self.stack.append((tag, _utf16(self.text), dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise EntityParseError(f'Unmatched end tag "{tag}"')
        _, start, attrs = self.stack.pop()
        length = _utf16(self.text) - start
        if length:
            entity: dict[str, Any] = {"type": _ALLOWED_TAGS[tag], "offset": start, "length": length}
            if tag == "a":
                entity["url"] = attrs.get("href") or ""
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.text += data

    def finish(self) -> tuple[str, list[dict[str, Any]]]:
        self.close()
        if self.stack:
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        return self.text, sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    if re.search(r"<(?![a-zA-Z/])", text) or re.search(r"&(?!(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        raise EntityParseError("Unsupported character entity or unescaped '<' / '&'")
    parser = _TelegramHtml()
    parser.feed(text)
    return parser.finish()


@dataclass
class Call:
    """One Bot API call as received (the log entry of the fake)."""

    method: str
    params: dict[str, Any]
    status: int
    result: Any
    at: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        p = self.params
        shown: dict[str, Any] = {}
        for key in ("chat_id", "message_id", "callback_query_id", "action", "url", "file_id", "offset"):
            if key in p:
                shown[key] = p[key]
        if "text" in p:
            text = str(p["text"]).replace("\n", " ⏎ ")
            shown["text"] = text if len(text) <= 90 else text[:89] + "…"
        if "reply_markup" in p and isinstance(p["reply_markup"], dict):
            buttons = [b.get("text") for row in p["reply_markup"].get("inline_keyboard", []) for b in row]
            shown["buttons"] = buttons
        outcome = "ok" if self.status == 200 else f"{self.status}"
        if self.method == "getUpdates" and isinstance(self.result, list):
            outcome += f" ({len(self.result)} updates)"
        return f"{self.method:<22} {outcome:<14} {json.dumps(shown, ensure_ascii=False)}"


class FakeTelegram(FakeService):
    name = "fake-telegram"
    default_host = "api.telegram.org"

    def __init__(self, *, token: str = TOKEN, max_poll_wait_s: float = 1.0) -> None:
        super().__init__()
        self.token = token
        self.max_poll_wait_s = max_poll_wait_s
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.file_paths: dict[str, str] = {}
        self.answered: set[str] = set()
        self.webhook: dict[str, Any] = {"url": ""}
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._ids = itertools.count(1)
        self._arrived = threading.Condition()

    # -- what the test sees -------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """For `Settings.telegram_api_url`."""
        return self.base_url

    def chat(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages in a chat as they are now (after edits), oldest first."""
        with self._lock:
            return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.chat(chat_id) if m.get("from", {}).get("is_bot")]

    def calls_of(self, method: str, **match: Any) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method and all(c.params.get(k) == v for k, v in match.items())
            ]

    def transcript(self) -> str:
        """The session as one line per Bot API call (getUpdates calls that returned nothing left out)."""
        with self._lock:
            calls = list(self.calls)
        start = calls[0].at if calls else 0.0
        return "\n".join(
            f"{c.at - start:7.3f}s  {c.line()}"
            for c in calls
            if not (c.method == "getUpdates" and c.result == [])
        )

    # -- playing the human --------------------------------------------------------------------------

    def _user(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Runner", "username": f"runner{chat_id}"}

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": "Runner", "username": f"runner{chat_id}"}

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock, self._arrived:
            update["update_id"] = next(self._update_ids)
            self.updates.append(update)
            self._arrived.notify_all()
        return update

    def _user_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        with self._lock:
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": self._chat(chat_id),
                "from": self._user(chat_id),
                **content,
            }
            self.messages[(chat_id, message["message_id"])] = message
        return message

    def user_sends(self, chat_id: int, text: str) -> dict[str, Any]:
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16(text.split()[0])})
        message = self._user_message(chat_id, text=text, **({"entities": entities} if entities else {}))
        return self._push({"message": message})

    def user_sends_document(
        self, chat_id: int, filename: str, data: bytes, mime_type: str = "application/octet-stream"
    ) -> dict[str, Any]:
        file_id = f"file-{next(self._ids)}"
        with self._lock:
            self.files[file_id] = data
            self.file_paths[file_id] = (
                f"documents/{file_id}{'.' + filename.rsplit('.', 1)[-1] if '.' in filename else ''}"
            )
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return self._push({"message": self._user_message(chat_id, document=document)})

    def user_presses(self, chat_id: int, message_id: int, callback_data: str) -> dict[str, Any]:
        with self._lock:
            message = dict(self.messages[(chat_id, message_id)])
        query = {
            "id": f"cq-{next(self._ids)}",
            "from": self._user(chat_id),
            "chat_instance": f"ci-{chat_id}",
            "message": message,
            "data": callback_data,
        }
        return self._push({"callback_query": query})

    @staticmethod
    def buttons(message: dict[str, Any]) -> dict[str, str]:
        """Button text → callback data of a message's inline keyboard."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return {b["text"]: b.get("callback_data", "") for row in rows for b in row}

    # -- the server ---------------------------------------------------------------------------------

    def _dispatch(self, request: Request) -> Reply:
        # long polling waits outside the lock, so other calls are served meanwhile
        if request.path.endswith("/getUpdates"):
            params = self._params(request)
            offset = int(params.get("offset") or 0)
            wait = min(float(params.get("timeout") or 0), self.max_poll_wait_s)
            with self._arrived:
                self._arrived.wait_for(
                    lambda: any(u["update_id"] >= offset for u in self.updates), timeout=wait
                )
        return super()._dispatch(request)

    @staticmethod
    def _params(request: Request) -> dict[str, Any]:
        raw: dict[str, str] = {}
        content_type = request.header("content-type", "") or ""
        if content_type.startswith("application/json"):
            return dict(request.json() or {})
        if content_type.startswith("multipart/"):
            raw = {k: v.data.decode("utf-8", "replace") for k, v in request.multipart().items()}
        else:
            raw = request.form()
            raw.update({k: v[0] for k, v in request.query.items()})
        out: dict[str, Any] = {}
        for key, value in raw.items():
            try:
                out[key] = json.loads(value)
            except ValueError:
                out[key] = value
        return out

    def default_error(self, status: int, request: Request) -> Reply:
        description = {429: "Too Many Requests: retry after 1"}.get(status, HTTPStatus(status).phrase)
        payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if status == 429:
            payload["parameters"] = {"retry_after": 1}
        return Reply.json(payload, status)

    def inject(self, status: int, path: str = ".*", **kwargs: Any) -> Fault:
        """As `FakeService.inject`; a 429 gets Telegram's body with `parameters.retry_after`."""
        if status == 429 and kwargs.get("body") is None:
            retry = int(kwargs.get("retry_after") or 1)
            kwargs["body"] = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry}",
                "parameters": {"retry_after": retry},
            }
        return super().inject(status, path, **kwargs)

    def handle(self, request: Request) -> Reply:
        file_prefix = f"/file/bot{self.token}/"
        path = unquote(request.path)  # httpx percent-encodes the ':' of the token
        if request.method == "GET" and path.startswith(file_prefix):
            wanted = path[len(file_prefix) :]
            file_id = next((f for f, p in self.file_paths.items() if p == wanted), None)
            if file_id is None:
                return Reply.json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
            return Reply(200, self.files[file_id], [("Content-Type", "application/octet-stream")])
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        if match is None:
            return self._error(request, request.method + " " + request.path, {}, 404, "Not Found")
        token, method = match.groups()
        params = self._params(request)
        if token != self.token:
            return self._error(request, method, params, 401, "Unauthorized")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._error(request, method, params, 404, "Not Found: method not found")
        try:
            result = handler(params)
        except _ApiError as exc:
            return self._error(request, method, params, 400, f"Bad Request: {exc}")
        self.calls.append(Call(method, params, 200, result))
        return Reply.json({"ok": True, "result": result})

    def finalize(self, request: Request, reply: Reply) -> Reply:
        if reply.source.startswith("fault:"):
            method = request.path.rsplit("/", 1)[-1]
            self.calls.append(Call(method, self._params(request), reply.status, None))
        return reply

    def _error(self, request: Request, method: str, params: dict[str, Any], status: int, text: str) -> Reply:
        self.calls.append(Call(method, params, status, None))
        return Reply.json({"ok": False, "error_code": status, "description": text}, status)

    # -- methods ------------------------------------------------------------------------------------

    def _me(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "RunCoach", "username": BOT_USERNAME}

    def _api_getMe(self, p: dict[str, Any]) -> Any:
        return {
            **self._me(),
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = int(p.get("limit") or 100)
        return [u for u in self.updates if u["update_id"] >= offset][:limit]

    def _render(self, p: dict[str, Any]) -> dict[str, Any]:
        text = str(p.get("text", ""))
        entities: list[dict[str, Any]] = []
        if p.get("parse_mode") == "HTML":
            try:
                text, entities = parse_html(text)
            except EntityParseError as exc:
                raise _ApiError(f"can't parse entities: {exc}") from exc
        elif p.get("parse_mode"):
            raise _ApiError("this fake only speaks parse_mode HTML")
        if not text.strip():
            raise _ApiError("message text is empty")
        if len(text) > LIMIT:
            raise _ApiError("message is too long")
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        if isinstance(p.get("reply_markup"), dict):
            content["reply_markup"] = p["reply_markup"]
        return content

    def _api_sendMessage(self, p: dict[str, Any]) -> Any:
        chat_id = int(p["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._me(),
            **self._render(p),
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _message(self, p: dict[str, Any]) -> dict[str, Any]:
        key = (int(p["chat_id"]), int(p["message_id"]))
        if key not in self.messages:
            raise _ApiError("message to edit not found")
        return self.messages[key]

    def _api_editMessageText(self, p: dict[str, Any]) -> Any:
        message = self._message(p)
        content = self._render(p)
        if (
            content.get("text") == message.get("text")
            and content.get("entities") == message.get("entities")
            and content.get("reply_markup") == message.get("reply_markup")
        ):
            raise _ApiError(
                "message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message"
            )
        message.pop("reply_markup", None)
        message.pop("entities", None)
        message.update(content, edit_date=int(time.time()))
        return message

    def _api_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        message = self._message(p)
        if isinstance(p.get("reply_markup"), dict):
            message["reply_markup"] = p["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    def _api_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        query_id = str(p["callback_query_id"])
        if query_id in self.answered:
            raise _ApiError("query is too old and response timeout expired or query ID is invalid")
        self.answered.add(query_id)
        return True

    def _api_sendChatAction(self, p: dict[str, Any]) -> Any:
        return True

    def _api_getFile(self, p: dict[str, Any]) -> Any:
        file_id = str(p["file_id"])
        if file_id not in self.files:
            raise _ApiError("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": self.file_paths[file_id],
        }

    def _api_setWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = {"url": p.get("url", ""), "secret_token": p.get("secret_token")}
        return True

    def _api_deleteWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = {"url": ""}
        return True

    def _api_getWebhookInfo(self, p: dict[str, Any]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    def _api_setMyCommands(self, p: dict[str, Any]) -> Any:
        return True


class _ApiError(Exception):
    pass
