"""Calling one function from several threads at the same moment, as the chat page's first questions do."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_once(call: Callable[[], T], threads: int = 8) -> tuple[list[T], list[BaseException]]:
    """Run ``call`` in ``threads`` threads released together; its results and the exceptions raised."""
    start = threading.Barrier(threads)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            errors.append(exc)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return results, errors
