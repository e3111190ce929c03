"""Who may reach the chat page, and upload names that stay in their folder."""

from __future__ import annotations

import pytest

from qa.access import AccessError, is_local, launch_auth, safe_filename


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.5"])
def test_loopback_needs_no_password(host: str) -> None:
    assert is_local(host)
    assert launch_auth(host, share=False, auth=None, no_auth=False) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_binding_beyond_localhost_without_auth_is_refused(host: str) -> None:
    with pytest.raises(AccessError, match="--auth USER:PASSWORD"):
        launch_auth(host, share=False, auth=None, no_auth=False)


def test_share_without_auth_is_refused_even_on_localhost() -> None:
    with pytest.raises(AccessError, match="share link"):
        launch_auth("127.0.0.1", share=True, auth=None, no_auth=False)


def test_auth_or_explicit_no_auth_allows_it() -> None:
    assert launch_auth("0.0.0.0", share=True, auth="ann:s3:cret", no_auth=False) == ("ann", "s3:cret")
    assert launch_auth("0.0.0.0", share=False, auth=None, no_auth=True) is None


@pytest.mark.parametrize("auth", ["ann", ":pw", "ann:", ""])
def test_malformed_auth_is_refused(auth: str) -> None:
    with pytest.raises(AccessError):
        launch_auth("0.0.0.0", share=False, auth=auth or ":", no_auth=False)


def test_auth_and_no_auth_together_are_refused() -> None:
    with pytest.raises(AccessError, match="contradict"):
        launch_auth("127.0.0.1", share=False, auth="a:b", no_auth=True)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/abs/path/article.txt", "article.txt"),
        ("my article (1).html", "my_article_1_.html"),
        ("é t.txt", "e_t.txt"),
        ("..", "upload"),
        (".hidden.md", "hidden.md"),
    ],
)
def test_upload_names_cannot_leave_their_folder(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_long_names_keep_their_extension() -> None:
    name = safe_filename("x" * 500 + ".html")
    assert len(name) <= 120 and name.endswith(".html")
