"""Download a GGUF model file from Hugging Face, verified by SHA-256.

The Hub's API gives, per file, the LFS object's SHA-256 and size at a commit. The file is
fetched from that exact commit into ``NAME.part`` (an interrupted download resumes with an HTTP
range request), hashed while it arrives, and renamed to ``NAME`` only when size and checksum
match. A file on disk is therefore either complete and verified or still called ``.part``.

``HF_ENDPOINT`` points at a Hub mirror, ``HF_TOKEN`` authorises gated repositories, as with
Hugging Face's own tools.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from wissenswerk.answering.llm.base import LlmError
from wissenswerk.answering.llm.catalog import CatalogEntry

HF_ENDPOINT = "https://huggingface.co"
CHUNK_BYTES = 1 << 20
Progress = Callable[[int, int], None]  # (bytes on disk, total bytes)


@dataclass(frozen=True)
class HubFile:
    url: str  # download URL pinned to ``commit``, so a resumed download gets the same bytes
    size: int
    sha256: str
    commit: str


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", HF_ENDPOINT).rstrip("/")


def hub_client(token: str | None = None, timeout_s: float = 60.0) -> httpx.Client:
    token = token or os.environ.get("HF_TOKEN")
    headers = {"User-Agent": "wissenswerk-models-pull"}
    if token:
        # httpx drops this header when a redirect leaves the Hub's host (the CDN is signed).
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(
        headers=headers,
        follow_redirects=True,
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 30.0)),
    )


def hub_file(
    client: httpx.Client,
    repo: str,
    filename: str,
    *,
    revision: str = "main",
    endpoint: str | None = None,
) -> HubFile:
    """Size and SHA-256 of ``filename`` in ``repo`` at ``revision``, from the Hub's LFS metadata."""
    base = (endpoint or hub_endpoint()).rstrip("/")
    api = f"{base}/api/models/{repo}/revision/{quote(revision, safe='')}"
    try:
        response = client.get(api, params={"blobs": "true"})
    except httpx.HTTPError as exc:
        raise LlmError(f"Cannot reach Hugging Face at {base}: {exc}. Check the network.") from exc
    if response.status_code in (401, 403):
        raise LlmError(
            f"Hugging Face refused access to {repo} ({response.status_code}). If the model is "
            "gated, accept its licence on the model page and set HF_TOKEN to an access token."
        )
    if response.status_code == 404:
        raise LlmError(f"Hugging Face has no model repository {repo!r} at revision {revision!r}.")
    if response.status_code != 200:
        raise LlmError(f"Hugging Face answered {response.status_code} for {repo}: {response.text}")
    info = response.json()
    sibling = next((s for s in info.get("siblings", []) if s.get("rfilename") == filename), None)
    if sibling is None:
        raise LlmError(f"The repository {repo} has no file {filename!r} at {revision!r}.")
    lfs = sibling.get("lfs") or {}
    sha256, size = lfs.get("sha256"), lfs.get("size", sibling.get("size"))
    if not sha256 or not isinstance(size, int):
        raise LlmError(
            f"Hugging Face gives no SHA-256 and size for {repo}/{filename}; an unverifiable "
            "download is refused."
        )
    commit = str(info.get("sha") or revision)
    url = f"{base}/{repo}/resolve/{commit}/{quote(filename)}"
    return HubFile(url=url, size=size, sha256=sha256.lower(), commit=commit)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def download_verified(
    client: httpx.Client,
    url: str,
    target: Path,
    *,
    sha256: str,
    size: int,
    progress: Progress | None = None,
) -> Path:
    """Fetch ``url`` to ``target`` via ``target.part``, resuming it; verify; rename atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    done = part.stat().st_size if part.exists() else 0
    if done > size:
        part.unlink()
        done = 0
    if done:
        with part.open("rb") as f:  # the hash must cover the bytes already on disk
            while block := f.read(CHUNK_BYTES):
                digest.update(block)
    if done < size:
        done, digest = _fetch(client, url, part, done, digest, size, progress)
    if done != size:
        raise LlmError(
            f"The download of {target.name} ended at {done} of {size} bytes. Run the command "
            "again to resume."
        )
    actual = digest.hexdigest()
    if actual != sha256.lower():
        part.unlink()
        raise LlmError(
            f"Checksum mismatch for {target.name}: expected SHA-256 {sha256}, got {actual}. "
            "The damaged download was deleted; run the command again."
        )
    part.replace(target)
    return target


def _fetch(
    client: httpx.Client,
    url: str,
    part: Path,
    done: int,
    digest: hashlib._Hash,
    size: int,
    progress: Progress | None,
) -> tuple[int, hashlib._Hash]:
    headers = {"Range": f"bytes={done}-"} if done else {}
    try:
        with client.stream("GET", url, headers=headers) as response:
            if done and response.status_code == 206:
                start = response.headers.get("Content-Range", "").removeprefix("bytes ")
                if not start.startswith(f"{done}-"):
                    raise LlmError(
                        f"The server resumed {part.name} at the wrong position "
                        f"({response.headers.get('Content-Range')!r}); delete it and try again."
                    )
            elif response.status_code == 200:
                if done:  # the server ignored the range: start over
                    done, digest = 0, hashlib.sha256()
            else:
                raise LlmError(
                    f"Downloading {url} failed with HTTP {response.status_code}. Run the "
                    "command again later."
                )
            with part.open("ab" if done else "wb") as f:
                try:
                    for block in response.iter_bytes():  # as it arrives: a break loses nothing
                        f.write(block)
                        digest.update(block)
                        done += len(block)
                        if done > size:
                            break
                        if progress is not None:
                            progress(done, size)
                finally:
                    f.flush()
                    os.fsync(f.fileno())
    except httpx.HTTPError as exc:
        raise LlmError(
            f"The download of {part.name.removesuffix('.part')} broke off after {done} bytes "
            f"({exc}). Run the command again to resume."
        ) from exc
    return done, digest


def pull(
    entry: CatalogEntry,
    models_dir: Path,
    *,
    client: httpx.Client | None = None,
    endpoint: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Download a catalog model into ``models_dir``; returns the verified file's path."""
    own_client = client is None
    client = client or hub_client()
    try:
        remote = hub_file(client, entry.repo, entry.filename, endpoint=endpoint)
        if entry.sha256 and remote.sha256 != entry.sha256.lower():
            raise LlmError(
                f"Hugging Face now lists SHA-256 {remote.sha256} for {entry.repo}/"
                f"{entry.filename}, but the catalog expects {entry.sha256}: the file was "
                "replaced upstream. Not downloading; please report this so the catalog can be "
                "checked."
            )
        target = models_dir / entry.filename
        if target.exists():
            if target.stat().st_size == remote.size and file_sha256(target) == remote.sha256:
                return target
            raise LlmError(
                f"{target} exists but is not the expected file (size or checksum differ). "
                "Delete it and run the command again."
            )
        return download_verified(
            client, remote.url, target, sha256=remote.sha256, size=remote.size, progress=progress
        )
    finally:
        if own_client:
            client.close()
