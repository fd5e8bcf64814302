"""The few SMB2/3 operations the SMB source needs, on smbprotocol's low-level API.

The low-level API (Connection → Session → TreeConnect → Open) keeps no global connection
pool, unlike ``smbclient``, and lets a security query travel as one compound request:
CREATE (READ_CONTROL) + QUERY_INFO (security) + CLOSE, answered in one round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from smbprotocol.connection import Connection
from smbprotocol.exceptions import (
    AccessDenied,
    LogonFailure,
    NoMoreFiles,
    NoSuchFile,
    ObjectNameNotFound,
    ObjectPathNotFound,
    SMBConnectionClosed,
    SMBException,
    SMBResponseException,
)
from smbprotocol.file_info import FileAttributes, FileInformationClass, InfoType
from smbprotocol.open import (
    CreateDisposition,
    CreateOptions,
    DirectoryAccessMask,
    FilePipePrinterAccessMask,
    ImpersonationLevel,
    Open,
    QueryDirectoryFlags,
    ShareAccess,
    SMB2QueryInfoRequest,
    SMB2QueryInfoResponse,
)
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect

from wissenswerk.sources.ntfs_acl import (
    DACL_SECURITY_INFORMATION,
    GROUP_SECURITY_INFORMATION,
    OWNER_SECURITY_INFORMATION,
)

__all__ = ["DirEntry", "SmbShare", "filetime_ns", "reason"]

_SHARE_ALL = (
    ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE | ShareAccess.FILE_SHARE_DELETE
)
_DIRECTORY = 0x10
_REPARSE_POINT = 0x400  # symlinks and junctions: may loop or leave the share, never followed
_FILETIME_EPOCH = 116_444_736_000_000_000  # 1601-01-01 → 1970-01-01 in 100 ns units
_RELATED = b"\xff" * 16  # file id meaning "the file opened earlier in this compound"
_MAX_SD = 65536  # the largest possible security descriptor
_MAX_IN_FLIGHT = 32  # compound security queries sent before reading their answers
_READ_CHUNK = 1 << 20


def reason(exc: BaseException) -> str:
    """A short, readable cause of an SMB failure."""
    if isinstance(exc, AccessDenied):
        return "access denied"
    if isinstance(exc, ObjectNameNotFound | ObjectPathNotFound | NoSuchFile):
        return "not found"
    if isinstance(exc, LogonFailure):
        return "unknown user name or bad password"
    if isinstance(exc, SMBResponseException):
        return exc.message.rsplit(": ", 1)[-1].strip() or str(exc)
    return str(exc)


def filetime_ns(raw: bytes) -> int:
    """Nanoseconds since 1970 from a little-endian Windows FILETIME."""
    return max(0, (int.from_bytes(raw, "little") - _FILETIME_EPOCH) * 100)


@dataclass(frozen=True, slots=True)
class DirEntry:
    name: str
    is_dir: bool
    size: int
    mtime_ns: int
    change_ns: int


class SmbShare:
    """One authenticated tree connection. Raises smbprotocol's exceptions; the source turns
    them into SourceErrors with context."""

    def __init__(
        self,
        server: str,
        port: int,
        share: str,
        username: str | None,
        password: str | None,
        *,
        encrypt: bool,
        require_signing: bool,
        auth: str,
        timeout_s: float,
    ) -> None:
        self.unc = f"\\\\{server}\\{share}"
        self._connection = Connection(uuid.uuid4(), server, port, require_signing)
        self._connection.connect(timeout=timeout_s)
        try:
            session = Session(
                self._connection,
                username,
                password,
                require_encryption=encrypt,
                auth_protocol=auth,
            )
            session.connect()
            self._tree = TreeConnect(session, self.unc)
            self._tree.connect()
        except BaseException:
            self._connection.disconnect(close=False)
            raise
        self._timeout_s = timeout_s

    def close(self) -> None:
        self._connection.disconnect(close=True, timeout=self._timeout_s)

    def _open(self, path: str, access: int, options: int, attributes: int) -> Open:
        handle = Open(self._tree, path)
        handle.create(
            ImpersonationLevel.Impersonation,
            access,
            attributes,
            _SHARE_ALL,
            CreateDisposition.FILE_OPEN,
            options,
        )
        return handle

    def list_folder(self, path: str) -> list[DirEntry]:
        """The folder's entries (``path`` "" is the share root), without . and .., links."""
        folder = self._open(
            path,
            DirectoryAccessMask.FILE_LIST_DIRECTORY | DirectoryAccessMask.FILE_READ_ATTRIBUTES,
            CreateOptions.FILE_DIRECTORY_FILE,
            FileAttributes.FILE_ATTRIBUTE_DIRECTORY,
        )
        entries: list[DirEntry] = []
        flags = QueryDirectoryFlags.SMB2_RESTART_SCANS
        try:
            while True:
                try:
                    batch = folder.query_directory(
                        "*", FileInformationClass.FILE_DIRECTORY_INFORMATION, flags=flags
                    )
                except (NoMoreFiles, NoSuchFile):
                    break
                flags = 0
                for info in batch:
                    name = info["file_name"].get_value().decode("utf-16-le")
                    attributes = info["file_attributes"].get_value()
                    if name in (".", "..") or attributes & _REPARSE_POINT:
                        continue
                    entries.append(
                        DirEntry(
                            name=name,
                            is_dir=bool(attributes & _DIRECTORY),
                            size=info["end_of_file"].get_value(),
                            mtime_ns=filetime_ns(info["last_write_time"].pack()),
                            change_ns=filetime_ns(info["change_time"].pack()),
                        )
                    )
        finally:
            folder.close()
        return sorted(entries, key=lambda e: e.name)

    def security_descriptors(self, paths: Iterable[str]) -> dict[str, bytes | SMBException]:
        """Raw security descriptors (owner, group, DACL) of files, or the SMB error per file.

        Several compounds are in flight at once, within the credits the server granted."""
        results: dict[str, bytes | SMBException] = {}
        pending = list(paths)
        while pending:
            window = self._connection.sequence_window
            room = max(1, min(_MAX_IN_FLIGHT, (window["high"] - window["low"]) // 3))
            batch, pending = pending[:room], pending[room:]
            sent = [(path, *self._send_security_query(path)) for path in batch]
            for path, requests, on_create, on_close in sent:
                results[path] = self._receive_security_answer(requests, on_create, on_close)
        return results

    def _send_security_query(self, path: str) -> tuple[list[Any], Any, Any]:
        handle = Open(self._tree, path)
        create, on_create = handle.create(
            ImpersonationLevel.Impersonation,
            FilePipePrinterAccessMask.READ_CONTROL | FilePipePrinterAccessMask.FILE_READ_ATTRIBUTES,
            FileAttributes.FILE_ATTRIBUTE_NORMAL,
            _SHARE_ALL,
            CreateDisposition.FILE_OPEN,
            CreateOptions.FILE_NON_DIRECTORY_FILE,
            send=False,
        )
        query = SMB2QueryInfoRequest()
        query["info_type"] = InfoType.SMB2_0_INFO_SECURITY
        query["file_info_class"] = 0
        query["output_buffer_length"] = _MAX_SD
        query["additional_information"] = (
            OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION
        )
        query["file_id"] = _RELATED
        close, on_close = handle.close(send=False)
        session = self._tree.session
        requests = self._connection.send_compound(
            [create, query, close], session.session_id, self._tree.tree_connect_id, related=True
        )
        return requests, on_create, on_close

    def _receive_security_answer(
        self, requests: list[Any], on_create: Any, on_close: Any
    ) -> bytes | SMBException:
        # All three answers must be received, even after a failure, or the connection's
        # table of outstanding requests goes wrong.
        failure: SMBException | None = None
        data = b""
        try:
            on_create(requests[0])
        except SMBConnectionClosed:
            raise
        except SMBException as exc:
            failure = exc
        try:
            response = SMB2QueryInfoResponse()
            response.unpack(self._connection.receive(requests[1])["data"].get_value())
            data = response["buffer"].get_value()
        except SMBConnectionClosed:
            raise
        except SMBException as exc:
            failure = failure or exc
        try:
            on_close(requests[2])
        except SMBConnectionClosed:
            raise
        except SMBException as exc:
            failure = failure or exc
        return failure if failure is not None else data

    def read_file(self, path: str) -> bytes:
        handle = self._open(
            path,
            FilePipePrinterAccessMask.FILE_READ_DATA
            | FilePipePrinterAccessMask.FILE_READ_ATTRIBUTES,
            CreateOptions.FILE_NON_DIRECTORY_FILE,
            FileAttributes.FILE_ATTRIBUTE_NORMAL,
        )
        try:
            size = handle.end_of_file
            chunk = min(_READ_CHUNK, self._connection.max_read_size)
            parts: list[bytes] = []
            offset = 0
            while offset < size:
                data = handle.read(offset, min(chunk, size - offset))
                if not data:
                    break
                parts.append(data)
                offset += len(data)
            return b"".join(parts)
        finally:
            handle.close()
