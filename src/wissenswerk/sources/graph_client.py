"""A small Microsoft Graph client: app-only token, JSON GETs, paging, downloads.

The token comes from the OAuth2 client-credentials flow of Microsoft Entra ID
(``POST {token_url}`` with client id, secret and the ``.default`` scope). It is renewed
shortly before it expires and once more when Graph answers 401. The bearer token is only
ever sent to the Graph origin: ``/content`` answers with a 302 to a pre-authenticated
download URL on another host, which we fetch without it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from wissenswerk.core.errors import SourceError
from wissenswerk.sources.http_retry import send_with_retry

# Renew the token this long before Entra ID says it expires (clock skew, slow requests).
_TOKEN_MARGIN_S = 120.0


class GraphHTTPError(SourceError):
    """Graph answered with an error status; ``code`` is Graph's error code, if any."""

    def __init__(self, message: str, status: int, code: str, location: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.location = location  # 410 resync answers carry a fresh enumeration URL here


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def _error_code(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):  # Graph: {"error": {"code": ..., "message": ...}}
        return str(error.get("code", "")), str(error.get("message", ""))
    if isinstance(error, str):  # Entra ID token endpoint: {"error": ..., "error_description"}
        return error, str(body.get("error_description", ""))
    return "", response.text[:200]


class GraphClient:
    def __init__(
        self,
        source: str,
        graph_url: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str,
        timeout_s: float,
        max_retries: int = 5,
    ) -> None:
        self.source = source
        self.graph_url = graph_url.rstrip("/")
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._max_retries = max_retries
        self._http = httpx.Client(timeout=timeout_s, follow_redirects=False)
        # Separate client for download URLs: it never carries our Authorization header.
        self._downloads = httpx.Client(timeout=timeout_s, follow_redirects=True)
        self._token: str | None = None
        self._token_expires = 0.0

    def close(self) -> None:
        self._http.close()
        self._downloads.close()

    # -- token ---------------------------------------------------------------------------

    def _fetch_token(self) -> None:
        data = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "scope": self._scope,
        }
        response = send_with_retry(
            self._http,
            lambda: self._http.build_request("POST", self.token_url, data=data),
            self.source,
            self._max_retries,
        )
        if response.status_code != 200:
            code, message = _error_code(response)
            raise SourceError(
                f"Source {self.source!r}: Microsoft Entra ID refused the app credentials "
                f"(HTTP {response.status_code} {code}: {message.strip()[:300]}). Check "
                "tenant_id, client_id and client_secret of the app registration."
            )
        body = response.json()
        self._token = str(body["access_token"])
        self._token_expires = time.monotonic() + float(body.get("expires_in", 3600))

    def _bearer(self) -> str:
        if self._token is None or time.monotonic() > self._token_expires - _TOKEN_MARGIN_S:
            self._fetch_token()
        assert self._token is not None
        return self._token

    # -- requests ------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            if _origin(path_or_url) != _origin(self.graph_url):
                # Never send the token to a host a response named: paging links always
                # point back to Graph, anything else is a misconfiguration or an attack.
                raise SourceError(
                    f"Source {self.source!r}: Graph returned a link to another host "
                    f"({urlsplit(path_or_url).netloc}); refusing to send credentials there."
                )
            return path_or_url
        return f"{self.graph_url}/{path_or_url.lstrip('/')}"

    def get(
        self,
        path_or_url: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """GET with the bearer token; a 401 renews the token once. Error statuses are
        returned, not raised (the caller knows which ones are expected)."""
        url = self.url(path_or_url)

        def build() -> httpx.Request:
            all_headers = {"Authorization": f"Bearer {self._bearer()}", **(headers or {})}
            return self._http.build_request("GET", url, params=params, headers=all_headers)

        response = send_with_retry(self._http, build, self.source, self._max_retries)
        if response.status_code == 401:
            response.close()
            self._token = None  # expired or revoked early: one fresh token, one more try
            response = send_with_retry(self._http, build, self.source, self._max_retries)
        return response

    def error(self, response: httpx.Response, what: str) -> GraphHTTPError:
        code, message = _error_code(response)
        status = response.status_code
        if status in (401, 403):
            hint = (
                "The app registration needs the application permissions Sites.Read.All and "
                "Files.Read.All (Sites.FullControl.All to read sharing permissions), granted "
                "by an administrator."
            )
        elif status == 404:
            hint = "Check the site, drive or item in the source options."
        else:
            hint = "The sync tries again later."
        return GraphHTTPError(
            f"Source {self.source!r}: Graph refused {what} (HTTP {status} {code}: "
            f"{message.strip()[:300]}). {hint}",
            status,
            code,
            response.headers.get("Location"),
        )

    def get_json(
        self,
        path_or_url: str,
        what: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = self.get(path_or_url, params, headers)
        if response.status_code != 200:
            raise self.error(response, what)
        body = response.json()
        if not isinstance(body, dict):
            raise SourceError(f"Source {self.source!r}: Graph sent no JSON object for {what}.")
        return body

    def collection(
        self, path_or_url: str, what: str, params: dict[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every entry of a collection, following ``@odata.nextLink``."""
        url: str | None = path_or_url
        while url:
            page = self.get_json(url, what, params)
            params = None  # the next link carries the query already
            yield from page.get("value", [])
            url = page.get("@odata.nextLink")

    def download(self, drive_id: str, item_id: str, what: str) -> bytes:
        response = self.get(f"/drives/{drive_id}/items/{item_id}/content")
        if response.status_code == 200:
            return response.content
        if response.status_code not in (301, 302, 303, 307, 308):
            raise self.error(response, f"the download of {what}")
        location = response.headers.get("Location", "")
        response.close()
        # Pre-authenticated short-lived URL (tempauth): no Authorization header.
        target = str(httpx.URL(self.url("/")).join(location)) if location else ""
        if not target:
            raise SourceError(f"Source {self.source!r}: Graph redirected {what} to nowhere.")
        answer = send_with_retry(
            self._downloads,
            lambda: self._downloads.build_request("GET", target),
            self.source,
            self._max_retries,
        )
        if answer.status_code != 200:
            raise SourceError(
                f"Source {self.source!r}: the download of {what} failed with HTTP "
                f"{answer.status_code}; the sync tries again later."
            )
        return answer.content
