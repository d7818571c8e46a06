"""Uploaded files of assignment submissions: checking, storing and removing them.

A file is accepted when its extension is one we take AND its content is what
the extension says (magic bytes; UTF-8 for text), so a renamed program is refused.
Office files are zip archives, so they are also opened and measured before they
are accepted (see ``check_archive``): a small upload must not unpack into
gigabytes on a grader's computer.
Files live in ``instance/uploads/`` under a random hex name with no extension;
the name the trainee gave is kept only in the database, for display and download.

Files are not part of the database transaction, so they follow it: a new file is
removed again if the request's transaction rolls back, and a replaced file is
removed only once the transaction that stopped pointing at it has committed. A
crash between the two leaves at worst an unreferenced file, never a submission
whose file is gone.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.errors import DomainError
from lms.extensions import db

# extension -> content type sent back on download.
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    # The charset is added once, on download (``download_type``).
    "txt": "text/plain",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
ALLOWED_EXTENSIONS = ("pdf", "docx", "odt", "txt", "jpg", "png")
STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
# Characters no file system or browser download dialog should see.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Unicode categories dropped from names: controls (Cc), format characters (Cf:
# bidi embeddings, overrides and isolates, zero-width spaces and joiners, soft
# hyphen, BOM), surrogates (Cs), line and paragraph separators (Zl, Zp). A
# RIGHT-TO-LEFT OVERRIDE makes "report\u202efdp.png" look like "reportgnp.pdf".
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

# Kinds of file that are zip archives. Only docx and odt are accepted today;
# xlsx, pptx, ods, odp and epub are listed so that accepting them later keeps
# the archive check.
ZIP_BASED = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"})
# Limits on what an office file may unpack to. Uploads are at most a few MB
# (LMS_MAX_UPLOAD_BYTES, 2 MiB by default); real documents unpack to a few
# times that, as their images are stored already compressed and their XML
# compresses about 5 to 20 times. 50 MiB leaves room for a large report and
# stays harmless on a grader's computer; 100 times is the highest ratio
# accepted for the whole file (the usual bound of office-file readers), which
# a document of text and images does not reach but a bomb of repeated bytes
# does; 1000 entries is far above the few dozen a document has.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_ENTRIES = 1000
# Under this size a file's ratio is not judged: a short letter of repeated
# markup may compress well and still unpacks to almost nothing.
ZIP_RATIO_GRACE_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name and extra lengths

_PENDING_REMOVE_ON_COMMIT = "lms_uploads_remove_on_commit"
_PENDING_REMOVE_ON_ROLLBACK = "lms_uploads_remove_on_rollback"


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, still in memory."""

    data: bytes
    display_name: str
    content_type: str

    @property
    def size(self) -> int:
        return len(self.data)


def upload_folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


def display_name(filename: str) -> str:
    """The trainee's file name, safe to show and to offer as a download name.

    Like werkzeug's ``secure_filename`` it drops directories, control and
    reserved characters and leading dots, but it keeps accents and spaces
    ("Evaluación final.pdf" stays readable).
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(char for char in name
                   if unicodedata.category(char) not in _INVISIBLE_CATEGORIES)
    name = _UNSAFE.sub("", name)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[:190]}.{ext[:9]}" if dot and len(ext) <= 9 else name[:200]
    return name


def extension_of(filename: str) -> str:
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem else ""


def _is_ooxml_document(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


def _is_odf_text(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            with archive.open("mimetype") as member:
                kind = member.read(100)  # a small, bounded read: never a zip bomb
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, RuntimeError):
        return False
    return kind.strip() == b"application/vnd.oasis.opendocument.text"


def _is_utf8_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def content_matches(extension: str, data: bytes) -> bool:
    """Whether ``data`` really is a file of the kind ``extension`` names."""
    zip_magic = data.startswith(b"PK\x03\x04")
    checks = {
        "pdf": lambda: data.startswith(b"%PDF-"),
        "docx": lambda: zip_magic and _is_ooxml_document(data),
        "odt": lambda: zip_magic and _is_odf_text(data),
        "txt": lambda: _is_utf8_text(data),
        "jpg": lambda: data.startswith(b"\xff\xd8\xff"),
        "jpeg": lambda: data.startswith(b"\xff\xd8\xff"),
        "png": lambda: data.startswith(b"\x89PNG\r\n\x1a\n"),
    }
    check = checks.get(extension)
    return bool(check and check())


def check_upload(filename: str, data: bytes, max_bytes: int) -> CheckedFile:
    """Validate an upload; raise DomainError (field ``file``) when it is refused."""
    name = display_name(filename)
    if len(data) > max_bytes:
        raise DomainError(_("The file is too large. The largest file accepted is %(size)s.",
                            size=human_size(max_bytes)), field="file")
    if not data:
        raise DomainError(_("The file is empty."), field="file")
    extension = extension_of(name)
    if extension not in CONTENT_TYPES:
        raise DomainError(_("This kind of file is not accepted. Send a PDF, Word (.docx), "
                            "OpenDocument (.odt), text (.txt), JPEG or PNG file."),
                          field="file")
    if not content_matches(extension, data):
        raise DomainError(_("The content of this file is not a %(kind)s file as its name "
                            "says. Save it again in that format and send it again.",
                            kind=extension.upper()), field="file")
    # The content check only lists the archive (or reads 100 bytes of it); now
    # that it is known to open, measure what it unpacks to.
    if extension in ZIP_BASED:
        check_archive(data, extension)
    return CheckedFile(data=data, display_name=name, content_type=CONTENT_TYPES[extension])


def check_archive(data: bytes, kind: str, *, max_unzipped: int = MAX_UNZIPPED_BYTES,
                  max_ratio: int = MAX_ZIP_RATIO, max_entries: int = MAX_ZIP_ENTRIES) -> None:
    """Refuse (DomainError, field ``file``) a zip-based file that is damaged or unpacks too far.

    The central directory only declares sizes; an office suite inflates the
    real streams. So each entry is inflated here, in bounded chunks that stop
    as soon as the total passes ``max_unzipped``, and its real size and CRC
    must be the declared ones.
    """
    label = kind.upper()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
            struct.error) as exc:
        raise _damaged(label) from exc
    if len(members) > max_entries:
        raise DomainError(_("This %(kind)s file holds more than %(count)s parts. Save it "
                            "again as an ordinary document and send it again.",
                            kind=label, count=max_entries), field="file")
    unpacked = sum(member.file_size for member in members)
    if unpacked <= max_unzipped:
        unpacked = 0
        for member in members:
            unpacked += _inflated_size(data, member, max_unzipped - unpacked, label)
            if unpacked > max_unzipped:
                break
    if unpacked > max_unzipped:
        raise DomainError(_("This %(kind)s file unpacks to more than %(size)s. Make it "
                            "smaller (for example, compress its pictures) and send it again.",
                            kind=label, size=human_size(max_unzipped)), field="file")
    if unpacked > ZIP_RATIO_GRACE_BYTES and unpacked > max_ratio * len(data):
        raise DomainError(_("This %(kind)s file unpacks to more than %(ratio)s times its own "
                            "size, which documents never do. Save it again and send it again.",
                            kind=label, ratio=max_ratio), field="file")


def unsafe_to_serve(path: Path, name: str) -> bool:
    """True for a stored office file that is damaged or unpacks too far.

    Files stored before the archive check existed are checked again when they
    are asked for, so a zip bomb accepted then is not handed to a grader now.
    """
    extension = extension_of(name)
    if extension not in ZIP_BASED:
        return False
    try:
        check_archive(path.read_bytes(), extension)
    except DomainError:
        return True
    return False


def _damaged(label: str) -> DomainError:
    return DomainError(_("This %(kind)s file is damaged and cannot be opened. Save it again "
                         "and send it again.", kind=label), field="file")


def _inflated_size(data: bytes, member: zipfile.ZipInfo, budget: int, label: str) -> int:
    """The real unpacked size of one entry, or a number over ``budget`` once it passes it."""
    if member.flag_bits & 0x1:  # encrypted entries cannot be checked, nor read by graders
        raise _damaged(label)
    start = member.header_offset
    header = data[start:start + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise _damaged(label)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    begin = start + _LOCAL_HEADER.size + name_length + extra_length
    raw = data[begin:begin + member.compress_size]
    if signature != b"PK\x03\x04" or len(raw) != member.compress_size:
        raise _damaged(label)
    if member.compress_type == zipfile.ZIP_STORED:
        size, crc = len(raw), zlib.crc32(raw)
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        size, crc, ended = _inflate(raw, budget)
        if size > budget:
            return size
        if not ended:  # the stream runs past the bytes the directory gives it
            raise _damaged(label)
    else:  # office files use only "stored" and "deflated"
        raise _damaged(label)
    if size != member.file_size or crc != member.CRC:
        raise _damaged(label)
    return size


def _inflate(raw: bytes, budget: int) -> tuple[int, int, bool]:
    """Inflate a raw deflate stream chunk by chunk: (size, CRC, whether it ended).

    Stops once more than ``budget`` bytes came out, so memory stays at one chunk.
    """
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size, crc, pending = 0, 0, raw
    try:
        while not inflater.eof:
            chunk = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            if not chunk:
                break  # nothing more comes out before the end: truncated
            size += len(chunk)
            crc = zlib.crc32(chunk, crc)
            if size > budget:
                break
    except zlib.error:
        return size, crc, False
    return size, crc, inflater.eof


def download_type(content_type: str | None) -> str:
    """The Content-Type header of a download: the stored type with exactly one charset for text.

    Older rows store "text/plain; charset=utf-8" and Werkzeug adds a charset of
    its own to text types, so parameters are dropped and one is set here.
    """
    base = (content_type or "").split(";", 1)[0].strip().lower()
    if not base:
        return "application/octet-stream"
    return f"{base}; charset=utf-8" if base.startswith("text/") else base


def human_size(size: int) -> str:
    from flask_babel import format_decimal

    if size >= 1024 * 1024:
        return _("%(number)s MB", number=format_decimal(round(size / (1024 * 1024), 1)))
    if size >= 1024:
        return _("%(number)s KB", number=format_decimal(round(size / 1024, 1)))
    return _("%(number)s bytes", number=format_decimal(size))


def path_of(stored_name: str) -> Path:
    """The file behind a stored name; only 32 hex digits ever name a file."""
    if not STORED_NAME.fullmatch(stored_name or ""):
        raise ValueError("not a stored upload name")
    return upload_folder() / stored_name


def store(checked: CheckedFile) -> str:
    """Write the file under a new random name; it is removed if the transaction rolls back."""
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = path_of(stored_name)
    # O_EXCL: never overwrite, even in the (astronomically unlikely) event of a clash.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as handle:
        handle.write(checked.data)
    _pending(_PENDING_REMOVE_ON_ROLLBACK).add(str(path))
    return stored_name


def remove_after_commit(stored_name: str | None) -> None:
    """Delete a file once the transaction that stopped using it has committed."""
    if stored_name:
        _pending(_PENDING_REMOVE_ON_COMMIT).add(str(path_of(stored_name)))


def _pending(key: str) -> set[str]:
    return db.session().info.setdefault(key, set())


def _unlink(paths: set[str]) -> None:
    # Full paths were recorded: the commit may run where no app context is current.
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass  # already gone; an unreferenced file left behind would be harmless


# Both events also fire when a SAVEPOINT (``begin_nested``) is released or rolled
# back; only the outermost transaction decides what becomes permanent.
@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_PENDING_REMOVE_ON_ROLLBACK, None)  # the new files are in use now
    _unlink(session.info.pop(_PENDING_REMOVE_ON_COMMIT, set()))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_PENDING_REMOVE_ON_COMMIT, None)  # the old files are still in use
    _unlink(session.info.pop(_PENDING_REMOVE_ON_ROLLBACK, set()))
