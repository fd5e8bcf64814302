import grp
import os
import pwd
from pathlib import Path

import pytest

from wissenswerk.core.acl import EVERYONE
from wissenswerk.core.errors import SourceError
from wissenswerk.core.models import SourceConfig
from wissenswerk.sources.acl_map import parse_acl_map
from wissenswerk.sources.folder import FolderSource


def make_share(root: Path) -> None:
    (root / "Personal").mkdir(parents=True)
    (root / "Allgemein").mkdir()
    (root / "Allgemein" / "info.txt").write_text("hallo", encoding="utf-8")
    (root / "Personal" / "gehalt.txt").write_text("geheim", encoding="utf-8")
    (root / "Allgemein" / "~$info.docx").write_text("lock", encoding="utf-8")
    (root / ".hidden").write_text("x", encoding="utf-8")


def test_lists_files_with_acl_map_and_skips_lock_files(tmp_path: Path) -> None:
    make_share(tmp_path)
    rules = parse_acl_map("path_prefix,groups\n,alle\nPersonal,personal\n")
    source = FolderSource(SourceConfig("s", "folder", str(tmp_path), "acl_map", rules))
    items = {i.path: i.acl for i in source.list_items()}
    assert items == {
        "Allgemein/info.txt": frozenset({EVERYONE}),
        "Personal/gehalt.txt": frozenset({"group:personal"}),
    }


def test_posix_bits_decide_readers(tmp_path: Path) -> None:
    make_share(tmp_path)
    (tmp_path).chmod(0o755)
    (tmp_path / "Allgemein").chmod(0o755)
    (tmp_path / "Allgemein" / "info.txt").chmod(0o644)
    (tmp_path / "Personal" / "gehalt.txt").chmod(0o640)
    (tmp_path / "Personal").chmod(0o750)
    owner = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid((tmp_path / "Personal" / "gehalt.txt").stat().st_gid).gr_name
    source = FolderSource(SourceConfig("s", "folder", str(tmp_path)))
    items = {i.path: i.acl for i in source.list_items()}
    assert EVERYONE in items["Allgemein/info.txt"]
    assert items["Personal/gehalt.txt"] == {f"user:{owner}", f"group:{group}"}
    # World-readable file in a folder others cannot enter: not readable by everyone.
    (tmp_path / "Personal" / "gehalt.txt").chmod(0o644)
    items = {i.path: i.acl for i in source.list_items()}
    assert EVERYONE not in items["Personal/gehalt.txt"]


def test_missing_folder_is_fatal_and_clear(tmp_path: Path) -> None:
    source = FolderSource(SourceConfig("s", "folder", str(tmp_path / "weg")))
    with pytest.raises(SourceError, match="does not exist or is not mounted"):
        list(source.list_items())
