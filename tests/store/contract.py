"""Backend-agnostic contract of the Store protocol.

Every backend's test module subclasses ``StoreContract`` and provides a ``store`` fixture;
SQLite today, PostgreSQL next. Permissions are part of the contract.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from wissenswerk.core.acl import (
    EVERYONE,
    deny_principal,
    group_principal,
    may_read,
    principals_of,
)
from wissenswerk.core.errors import UnknownSourceError
from wissenswerk.core.models import SourceConfig
from wissenswerk.store.base import ChunkRecord, DocumentRecord, Store


def chunk(text: str, ordinal: int = 0, terms: dict[str, int] | None = None) -> ChunkRecord:
    terms = terms or {w: 1 for w in text.lower().split()}
    return ChunkRecord(
        chunk_key=f"k{ordinal}-{text}",
        ordinal=ordinal,
        text=text,
        context="Titel",
        page=ordinal + 1,
        member=None,
        heading_path=("Kapitel",),
        terms=terms,
        length=sum(terms.values()),
        embed_hash=f"h-{text}",
    )


def document(path: str, acl: frozenset[str], *texts: str, source: str = "share") -> DocumentRecord:
    return DocumentRecord(
        source=source,
        path=path,
        size=10,
        mtime_ns=1,
        content_hash=f"hash-{path}-{texts}",
        acl=acl,
        title="Titel",
        modified=datetime(2025, 1, 1, tzinfo=UTC),
        language="de",
        status="indexed",
        parser="txt",
        chunks=[chunk(t, i) for i, t in enumerate(texts)],
    )


HR = frozenset({group_principal("personal")})
ALL = frozenset({EVERYONE})


class StoreContract:
    @pytest.fixture
    def share(self, store: Store) -> Store:
        store.add_source(SourceConfig(name="share", kind="folder", location="/srv/share"))
        return store

    def test_users_roundtrip_and_group_replacement(self, store: Store) -> None:
        store.upsert_user("anna", ["technik", "mitarbeiter", "technik"])
        assert store.get_user("anna").groups == ("mitarbeiter", "technik")  # type: ignore[union-attr]
        store.upsert_user("anna", ["vertrieb"])
        assert store.get_user("anna").groups == ("vertrieb",)  # type: ignore[union-attr]
        assert store.get_user("nobody") is None
        assert [u.name for u in store.list_users()] == ["anna"]

    def test_sources_roundtrip(self, store: Store) -> None:
        cfg = SourceConfig(
            name="s",
            kind="folder",
            location="/x",
            acl_mode="acl_map",
            acl_map=(("", ("everyone",)), ("Personal", ("group:personal",))),
            options={"recursive": True, "password_env": "SHARE_PW", "depth": 3},
            sync_every_minutes=30,
            permissions_every_minutes=5,
        )
        store.add_source(cfg)
        assert store.get_source("s") == cfg
        assert store.list_sources() == [cfg]
        store.remove_source("s")
        assert store.get_source("s") is None

    def test_unknown_source_is_a_clear_error(self, store: Store) -> None:
        with pytest.raises(UnknownSourceError, match="sources add"):
            store.document_states("missing")

    def test_write_replace_delete_document(self, share: Store) -> None:
        share.write_document(document("a.txt", ALL, "eins zwei", "drei"))
        assert share.counts()["chunks"] == 2
        share.write_document(document("a.txt", ALL, "vier"))
        assert share.counts()["chunks"] == 1
        ids, tfs = share.postings("vier")
        assert len(ids) == 1 and tfs.tolist() == [1.0]
        assert len(share.postings("eins")[0]) == 0  # old postings gone
        assert share.delete_documents("share", ["a.txt"]) == 1
        assert share.counts()["chunks"] == 0
        assert share.document_states("share") == {}

    def test_hidden_text_flag_travels_with_the_chunks(self, share: Store) -> None:
        flagged = document("bewerbung.docx", ALL, "Lebenslauf")
        flagged.hidden_text = "white text; zero-width characters"
        share.write_document(flagged)
        share.write_document(document("plain.txt", ALL, "Protokoll"))
        chunks = share.get_chunks(share.chunk_stats().rowids.tolist()).values()
        assert {c.path: c.hidden_text for c in chunks} == {
            "bewerbung.docx": "white text; zero-width characters",
            "plain.txt": "",
        }

    def test_generation_changes_on_every_content_change(self, share: Store) -> None:
        g0 = share.generation()
        share.write_document(document("a.txt", ALL, "x"))
        g1 = share.generation()
        share.set_document_acl("share", "a.txt", HR)
        g2 = share.generation()
        assert g0 < g1 < g2

    def test_readable_classes_follow_principals(self, share: Store) -> None:
        share.write_document(document("public.txt", ALL, "öffentlich"))
        share.write_document(document("hr.txt", HR, "gehalt"))
        stats = share.chunk_stats()
        employee = share.readable_classes(principals_of("tom", ["vertrieb"]))
        hr = share.readable_classes(principals_of("mia", ["personal"]))
        readable_tom = np.isin(stats.acl_classes, employee)
        readable_mia = np.isin(stats.acl_classes, hr)
        assert readable_tom.sum() == 1 and readable_mia.sum() == 2
        chunks = share.get_chunks(stats.rowids[readable_tom].tolist())
        assert [c.path for c in chunks.values()] == ["public.txt"]

    def test_deny_entries_win_over_allows(self, share: Store) -> None:
        # NTFS: Vertrieb may read, but the group Azubis is denied; Tom is in both.
        acl = frozenset({group_principal("vertrieb"), deny_principal(group_principal("azubis"))})
        share.write_document(document("preise.txt", acl, "preisliste"))
        stats = share.chunk_stats()
        tom = share.readable_classes(principals_of("tom", ["vertrieb", "azubis"]))
        eva = share.readable_classes(principals_of("eva", ["vertrieb"]))
        assert not np.isin(stats.acl_classes, tom).any()
        assert np.isin(stats.acl_classes, eva).sum() == 1
        assert may_read(principals_of("eva", ["vertrieb"]), acl)
        assert not may_read(principals_of("tom", ["vertrieb", "azubis"]), acl)

    def test_permission_change_moves_chunks_to_new_class(self, share: Store) -> None:
        share.write_document(document("doc.txt", ALL, "text"))
        share.set_document_acl("share", "doc.txt", HR)
        stats = share.chunk_stats()
        tom = share.readable_classes(principals_of("tom", []))
        assert not np.isin(stats.acl_classes, tom).any()
        assert share.document_states("share")["doc.txt"].acl_key == "group:personal"

    def test_problems_are_listed_with_reason(self, share: Store) -> None:
        share.record_problem("share", "kaputt.pdf", 5, 1, ALL, "error", "not a valid PDF")
        problems = share.problems()
        assert [(p.path, p.status, p.reason) for p in problems] == [
            ("kaputt.pdf", "error", "not a valid PDF")
        ]
        assert share.counts()["errors"] == 1

    def test_embeddings_are_cached_by_text_hash(self, share: Store) -> None:
        share.write_document(document("a.txt", ALL, "eins", "zwei"))
        assert share.count_missing_embeddings("m") == 2
        missing = share.missing_embeddings("m", 10)
        share.put_embeddings("m", [(h, np.ones(4, dtype=np.float32)) for h, _ in missing])
        assert share.count_missing_embeddings("m") == 0
        # A second document with the same passage needs no new vector.
        share.write_document(document("b.txt", ALL, "eins"))
        assert share.count_missing_embeddings("m") == 0
        ids, matrix = share.vectors("m")
        assert len(ids) == 3 and matrix.shape == (3, 4)

    def test_sync_runs_are_recorded(self, share: Store) -> None:
        run = share.start_run("share")
        share.finish_run(run, "completed", {"added": 1})
