"""What the Graph connector remembers between syncs, per drive: the delta link and the
current item tree with each item's readers.

Graph's delta feed only reports changes and identifies items by id (``parentReference``
carries no path in delta answers), so we keep every item's name and parent and build paths
from the tree. The file is rewritten atomically (temp file + ``os.replace``) after each
complete listing; a crash leaves the previous state, whose delta link simply replays.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wissenswerk.core.errors import SourceError

FORMAT = 1


@dataclass(slots=True)
class ItemRecord:
    name: str
    parent: str | None
    folder: bool
    size: int = -1
    modified: str | None = None  # lastModifiedDateTime as Graph sent it
    version: str = ""  # cTag, else eTag
    url: str | None = None
    is_file: bool = False  # folders, OneNote packages and the like are not read
    acl: list[str] | None = None  # None: permissions not read yet (or failed)
    inherited: bool = False  # Graph said every permission is inherited from an ancestor


@dataclass(slots=True)
class DriveState:
    drive_id: str
    label: str
    delta_link: str | None = None
    root_id: str | None = None
    items: dict[str, ItemRecord] = field(default_factory=dict)

    def children(self) -> dict[str, list[str]]:
        kids: dict[str, list[str]] = {}
        for item_id, record in self.items.items():
            if record.parent is not None:
                kids.setdefault(record.parent, []).append(item_id)
        return kids

    def top_down(self) -> Iterator[tuple[str, str]]:
        """(item id, path below the drive root) for every item reachable from the root,
        parents before children. Items cut off from the root (a deleted folder's content
        whose own deletions were not reported) are not reachable and get dropped."""
        if self.root_id is None or self.root_id not in self.items:
            return
        kids = self.children()
        queue: deque[tuple[str, str]] = deque([(self.root_id, "")])
        while queue:
            item_id, path = queue.popleft()
            yield item_id, path
            for child in sorted(kids.get(item_id, ()), key=lambda c: self.items[c].name):
                name = self.items[child].name
                queue.append((child, f"{path}/{name}" if path else name))

    def prune_unreachable(self) -> None:
        reachable = {item_id for item_id, _ in self.top_down()}
        for item_id in [i for i in self.items if i not in reachable]:
            del self.items[item_id]


@dataclass(slots=True)
class GraphState:
    drives: dict[str, DriveState] = field(default_factory=dict)
    permissions_scanned: float = 0.0  # time.time() of the last full permission scan

    @classmethod
    def load(cls, path: Path) -> GraphState:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError):
            # A damaged state costs one full enumeration, never wrong results.
            return cls()
        if raw.get("format") != FORMAT:
            return cls()
        drives = {}
        for drive_id, data in raw.get("drives", {}).items():
            items = {i: ItemRecord(**r) for i, r in data.pop("items", {}).items()}
            drives[drive_id] = DriveState(**data, items=items)
        return cls(drives=drives, permissions_scanned=float(raw.get("permissions_scanned", 0)))

    def save(self, path: Path) -> None:
        data: dict[str, Any] = {
            "format": FORMAT,
            "permissions_scanned": self.permissions_scanned,
            "drives": {drive_id: asdict(drive) for drive_id, drive in self.drives.items()},
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".graph_state.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
            Path(tmp).replace(path)
        except OSError as exc:
            raise SourceError(
                f"Cannot write the Graph sync state {path} ({exc.strerror}); check that the "
                "data directory is writable."
            ) from exc
