"""Reading GPX and TCX safely with the standard library: one pass (`iterparse`), no DTDs or entities.

Files from the wild start with a byte-order mark, with blank lines before the XML declaration, or declare
namespaces in several ways; every reader matches elements by their local name, so `gpxtpx:hr`, `ns3:hr`
and a bare `<hr>` are the same thing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError, iterparse

from tools.activities.track import UnreadableTrack

_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_USED_PREFIX = re.compile(rb"</?([A-Za-z_][\w.-]*):[A-Za-z_]")
_DECLARED_PREFIX = re.compile(rb"xmlns:([A-Za-z_][\w.-]*)\s*=")
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w:.-]*)")


def clean(data: bytes) -> bytes:
    """The document without a leading byte-order mark or whitespace (both break the XML declaration)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.lstrip()


def declare_prefixes(body: bytes) -> bytes:
    """Declare on the root element any namespace prefix the document uses without declaring it (Strava's
    GPX export writes `gpxdata:` and `gpxx:` elements without their `xmlns:`), so it parses; the readers
    match local names, so the namespace given does not matter."""
    missing = set(_USED_PREFIX.findall(body)) - set(_DECLARED_PREFIX.findall(body)) - {b"xml", b"xmlns"}
    root = _ROOT_TAG.search(body)
    if not missing or root is None:
        return body
    declarations = b"".join(b' xmlns:%s="urn:runcoach:undeclared:%s"' % (p, p) for p in sorted(missing))
    return body[: root.end()] + declarations + body[root.end() :]


def local(tag: str) -> str:
    """`{namespace}name` → `name`, lower-cased (GPX and TCX extensions disagree on case)."""
    return tag.rsplit("}", 1)[-1].lower()


def elements(data: bytes, filename: str, ends: frozenset[str]) -> Iterator[tuple[str, Element]]:
    """Each finished element whose local name is in `ends`, as (local name, element). The caller clears
    what it has used; a DTD or entity declaration is refused (no entity expansion, no external fetches)."""
    body = clean(data)
    if _DOCTYPE.search(body[:4096]) or b"<!ENTITY" in body:
        raise UnreadableTrack(filename, "it declares a DTD or entities, which activity files never need")
    body = declare_prefixes(body)
    try:
        for _, element in iterparse(io.BytesIO(body), events=("end",)):
            name = local(element.tag)
            if name in ends:
                yield name, element
    except ParseError as exc:
        raise UnreadableTrack(filename, f"it is not well-formed XML ({exc})") from exc


def child_text(element: Element, *names: str) -> str | None:
    """Text of the first direct child with one of these local names."""
    for child in element:
        if local(child.tag) in names:
            return child.text
    return None


def descendant_text(element: Element, *names: str) -> str | None:
    """Text of the first descendant (any depth) with one of these local names."""
    for node in element.iter():
        if node is not element and local(node.tag) in names and node.text and node.text.strip():
            return node.text
    return None
