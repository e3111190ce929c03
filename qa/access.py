"""Who may reach the chat page: the bind-and-auth decision, and upload file names.

Kept apart from ``qa.ui`` (no Gradio import) so the rules are cheap to test.
The page answers from private articles and can change the index, so it is
local by default: binding beyond localhost or sharing a public link needs a
password, unless the operator says ``--no-auth`` explicitly.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
MAX_NAME_CHARS = 120


class AccessError(ValueError):
    """The requested bind/auth combination is refused; the message says how to fix it."""


def is_local(host: str) -> bool:
    """True when ``host`` is a loopback name or address (only this machine can connect)."""
    host = host.strip().strip("[]").lower()
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_auth(auth: str) -> tuple[str, str]:
    """``"user:password"`` → ``("user", "password")``; both parts must be non-empty."""
    user, sep, password = auth.partition(":")
    if not sep or not user.strip() or not password:
        raise AccessError("--auth must be USER:PASSWORD (both non-empty)")
    return user.strip(), password


def launch_auth(host: str, share: bool, auth: str | None, no_auth: bool) -> tuple[str, str] | None:
    """The (user, password) Gradio should require, or None; raises AccessError for an unsafe request."""
    if auth and no_auth:
        raise AccessError("--auth and --no-auth contradict each other: give one")
    if auth:
        return parse_auth(auth)
    if no_auth or (is_local(host) and not share):
        return None
    reach = "a public share link" if share else f"binding to {host}"
    raise AccessError(
        f"{reach} lets other machines use the page: add --auth USER:PASSWORD (or set QA_SERVER__AUTH), "
        "or --no-auth to allow it without a password"
    )


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A file name that cannot leave its folder: no directories, no leading dots, only [A-Za-z0-9._-].

    "../../etc/passwd" → "passwd", "C:\\\\x\\\\é t.txt" → "e_t.txt"; empty results become "upload".
    """
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", base).strip("._-")
    if len(base) > MAX_NAME_CHARS:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: MAX_NAME_CHARS - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else base[:MAX_NAME_CHARS]
    return base or "upload"
