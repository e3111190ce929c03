"""The chat page end to end: start ``python app.py`` for real, then use it over HTTP.

One server for the session (the ``chat_server`` fixture), shared with the browser test.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from tests.integration.chat_server import REPO, Server, answers, running_server, server_env

pytestmark = pytest.mark.integration

QUESTION = "How many peshmerga did Turkey train?"


@pytest.fixture(scope="module")
def server(chat_server: Server) -> Server:
    return chat_server


@pytest.fixture(scope="module")
def client(server: Server):
    from gradio_client import Client

    return Client(server.url, verbose=False)


def test_page_is_served(server: Server) -> None:
    with urllib.request.urlopen(server.url, timeout=10) as response:
        assert response.status == 200
        assert "News QA" in response.read().decode("utf-8", errors="replace")


def test_ask_endpoint_answers_with_a_citation(client) -> None:
    result = client.predict(QUESTION, 5, api_name="/ask")

    assert isinstance(result, dict)
    assert result["refused"] is False
    assert "1,600" in result["short_answer"]
    cited = [c for c in result["citations"] if c["doc_id"] == "000_d9e75c458849a6c9.txt"]
    assert cited and any("1,600" in c["quote"] for c in cited), result["citations"]
    assert len(result["passages"]) == 5


def test_empty_question_is_a_clear_error_and_the_server_survives(server: Server, client) -> None:
    with pytest.raises(Exception, match="question is empty"):
        client.predict("   ", 5, api_name="/ask")
    with pytest.raises(Exception, match="limit is 2,000"):
        client.predict("why " * 600, 5, api_name="/ask")

    assert server.process.poll() is None, server.output()
    assert answers(server.url)
    assert client.predict(QUESTION, 3, api_name="/ask")["refused"] is False


def test_ask_endpoint_applies_filters(client) -> None:
    nothing = client.predict(QUESTION, 5, "2999-01-01", "", [], api_name="/ask")
    assert nothing["refused"] is True and nothing["passages"] == []
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        client.predict(QUESTION, 5, "yesterday", "", [], api_name="/ask")


def test_ask_endpoint_takes_the_day_the_question_is_asked_on(client) -> None:
    dated = client.predict(QUESTION + " this week", 5, "", "", [], "2015-07-16", api_name="/ask")
    assert dated["refused"] is False and dated["passages"][0]["doc_id"] == "000_d9e75c458849a6c9.txt"
    assert "(as of 2015-07-14)" in dated["answer"]  # the quoted article's own date
    with pytest.raises(Exception, match="'as of' date must be YYYY-MM-DD"):
        client.predict(QUESTION, 5, "", "", [], "last week", api_name="/ask")


def test_without_an_index_the_page_opens_and_says_so(tmp_path, monkeypatch) -> None:
    from gradio_client import Client

    monkeypatch.setenv("QA_CORPUS_DIR", str(tmp_path / "no-such-folder"))
    with running_server(tmp_path) as srv:
        assert "serving an empty index" in srv.output()
        with pytest.raises(Exception, match="the index is empty: add articles in the Corpus tab"):
            Client(srv.url, verbose=False).predict(QUESTION, 5, api_name="/ask")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "--auth USER:PASSWORD"),
        (["--share"], "share link"),
        (["--host", "0.0.0.0", "--auth", "nopassword"], "USER:PASSWORD"),
    ],
)
def test_unsafe_binding_is_refused_before_anything_starts(tmp_path, args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "app.py", "--data-dir", str(tmp_path / "data"), *args],
        cwd=REPO, env={**server_env(), "QA_SERVER__AUTH": ""}, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "data").exists()  # refused before opening the index
