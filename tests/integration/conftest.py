"""Fixtures for the chat page tests: one real server for the session (seeds ingested at its start)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.chat_server import Server, running_server


@pytest.fixture(scope="session")
def chat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python app.py`` on a free loopback port; tests that add articles remove them again."""
    with running_server(tmp_path_factory.mktemp("chat")) as srv:
        yield srv
