"""The source protocol: list items cheaply (with their ACL), read one item's bytes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from wissenswerk.core.models import SourceItem


class Source(Protocol):
    name: str
    # (path prefix, reason) of subtrees that could not be listed in the last listing; the
    # sync never deletes indexed documents below them.
    listing_errors: list[tuple[str, str]]

    def list_items(self) -> Iterator[SourceItem]:
        """Every readable item with size, mtime and ACL; raises SourceError if the source
        as a whole is unreachable (then nothing may be deleted from the index)."""
        ...

    def read(self, item: SourceItem) -> bytes: ...
