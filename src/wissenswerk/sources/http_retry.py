"""Sending HTTP requests to cloud APIs that throttle: 429/503 with ``Retry-After``.

Microsoft Graph and Atlassian Cloud both answer an overloaded client with 429 (or 503) and
a ``Retry-After`` header in seconds. We wait as told, a bounded number of times, and then
give up with a SourceError: the sync retries the source later instead of hammering it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import httpx

from wissenswerk.core.errors import SourceError

log = logging.getLogger(__name__)

THROTTLED = frozenset({429, 503})


def retry_after_seconds(response: httpx.Response, attempt: int, max_wait_s: float) -> float:
    """Seconds to wait before the next try: the server's ``Retry-After`` when it gives one
    (seconds; the HTTP-date form is rare for these APIs and treated as absent), else an
    exponential backoff."""
    header = response.headers.get("Retry-After", "")
    try:
        wait = float(header)
    except ValueError:
        wait = 2.0**attempt
    return max(0.0, min(wait, max_wait_s))


def send_with_retry(
    client: httpx.Client,
    build: Callable[[], httpx.Request],
    source: str,
    max_retries: int = 5,
    max_wait_s: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """Send the request ``build()`` makes (rebuilt per try, so a refreshed token is used),
    waiting out throttling and transient network errors up to ``max_retries`` times."""
    attempt = 0
    while True:
        request = build()
        try:
            response = client.send(request)
        except httpx.TransportError as exc:
            if attempt >= max_retries:
                raise SourceError(
                    f"Source {source!r}: cannot reach {request.url.host} ({exc}). Check the "
                    "server address and the network; the sync tries again later."
                ) from exc
            wait = min(2.0**attempt, max_wait_s)
        else:
            if response.status_code not in THROTTLED:
                return response
            if attempt >= max_retries:
                response.read()
                raise SourceError(
                    f"Source {source!r}: {request.url.host} is still throttling after "
                    f"{max_retries} retries (HTTP {response.status_code}); the sync tries "
                    "again later."
                )
            wait = retry_after_seconds(response, attempt, max_wait_s)
            response.close()
            log.info(
                "Source %s: HTTP %s from %s, retrying in %.1f s",
                source,
                response.status_code,
                request.url.host,
                wait,
            )
        attempt += 1
        sleep(wait)
