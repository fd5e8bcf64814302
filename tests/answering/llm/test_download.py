"""Model downloads against a Hugging Face stand-in on loopback (tests/answering/llm/hub_standin.py):
checksums, resuming, and refusing anything that does not verify."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.answering.llm.hub_standin import COMMIT, HubStandin, running_hub
from wissenswerk.answering.llm.base import LlmError
from wissenswerk.answering.llm.catalog import CatalogEntry
from wissenswerk.answering.llm.download import Progress, hub_client, pull

REPO = "acme/Tiny-Instruct-GGUF"
FILE = "tiny-instruct-Q4_K_M.gguf"
DATA = os.urandom(300_000)  # several HTTP reads, small enough to stay fast
SHA = hashlib.sha256(DATA).hexdigest()


def _entry(sha256: str | None = SHA) -> CatalogEntry:
    return CatalogEntry(
        name="tiny",
        repo=REPO,
        filename=FILE,
        sha256=sha256,
        approx_size_gb=0.0003,
        context_size=2048,
        license="Apache-2.0",
        description="Test",
    )


@pytest.fixture
def hub() -> Iterator[HubStandin]:
    with running_hub() as hub:
        hub.add(REPO, FILE, DATA)
        yield hub


def _pull(
    hub: HubStandin,
    folder: Path,
    entry: CatalogEntry | None = None,
    progress: Progress | None = None,
) -> Path:
    with hub_client() as client:
        return pull(entry or _entry(), folder, client=client, endpoint=hub.url, progress=progress)


def test_pull_downloads_the_pinned_commit_verifies_and_renames(
    hub: HubStandin, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    path = _pull(hub, tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / FILE and path.read_bytes() == DATA
    assert not (tmp_path / f"{FILE}.part").exists()
    paths = [r.path for r in hub.requests]
    assert paths[0].startswith(f"/api/models/{REPO}/revision/main")
    assert f"/{REPO}/resolve/{COMMIT}/{FILE}" in paths  # the commit the checksum belongs to
    assert seen[-1] == (len(DATA), len(DATA))


def test_an_existing_verified_file_is_not_downloaded_again(hub: HubStandin, tmp_path: Path) -> None:
    _pull(hub, tmp_path)
    hub.requests.clear()
    assert _pull(hub, tmp_path).read_bytes() == DATA
    assert hub.cdn_requests() == []


def test_an_interrupted_download_resumes_where_it_stopped(hub: HubStandin, tmp_path: Path) -> None:
    hub.cut_after = 100_000
    with pytest.raises(LlmError, match="again to resume"):
        _pull(hub, tmp_path)
    part = tmp_path / f"{FILE}.part"
    kept = part.stat().st_size
    assert 0 < kept <= 100_000 and not (tmp_path / FILE).exists()
    hub.cut_after = None
    hub.requests.clear()
    assert _pull(hub, tmp_path).read_bytes() == DATA
    assert [r.range for r in hub.cdn_requests()] == [f"bytes={kept}-"]
    assert not part.exists()


def test_damaged_bytes_are_deleted_not_kept(hub: HubStandin, tmp_path: Path) -> None:
    damaged = bytearray(DATA)
    damaged[12_345] ^= 0xFF
    hub.served[(REPO, FILE)] = bytes(damaged)
    with pytest.raises(LlmError, match="Checksum mismatch") as caught:
        _pull(hub, tmp_path)
    assert SHA in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_file_replaced_upstream_is_refused_before_downloading(
    hub: HubStandin, tmp_path: Path
) -> None:
    with pytest.raises(LlmError, match="replaced upstream"):
        _pull(hub, tmp_path, _entry(sha256="ab" * 32))
    assert hub.cdn_requests() == [] and list(tmp_path.iterdir()) == []


def test_without_a_catalog_checksum_the_hubs_lfs_checksum_is_enforced(
    hub: HubStandin, tmp_path: Path
) -> None:
    assert _pull(hub, tmp_path, _entry(sha256=None)).read_bytes() == DATA
    (tmp_path / FILE).unlink()
    hub.reported_sha256[(REPO, FILE)] = "cd" * 32
    with pytest.raises(LlmError, match="Checksum mismatch"):
        _pull(hub, tmp_path, _entry(sha256=None))


def test_a_gated_repository_asks_for_a_token(hub: HubStandin, tmp_path: Path) -> None:
    hub.api_status = 401
    with pytest.raises(LlmError, match="HF_TOKEN"):
        _pull(hub, tmp_path)


def test_the_token_goes_to_the_hub_but_not_to_the_cdn(
    hub: HubStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_geheim")
    _pull(hub, tmp_path)
    api = [r for r in hub.requests if r.path.startswith("/api/")]
    assert api and all(r.authorization == "Bearer hf_geheim" for r in api)
    assert hub.cdn_requests() and all(r.authorization is None for r in hub.cdn_requests())
