"""Writing the audit log. Called from services, inside their transaction."""

from __future__ import annotations

from typing import Any

from lms.audit.models import AuditLog
from lms.extensions import db


def record(actor, action: str, obj: Any, before: dict | None = None,
           after: dict | None = None) -> AuditLog:
    if getattr(obj, "id", 0) is None:
        db.session.flush()  # the log names the object by its id
    entry = AuditLog(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__tablename__ if hasattr(type(obj), "__tablename__")
        else type(obj).__name__,
        object_id=getattr(obj, "id", None),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def state(obj, attributes: tuple[str, ...], translated: tuple[str, ...] = ()) -> dict:
    """Plain values of ``obj`` for the log, with its translations when ``translated``."""
    data: dict[str, Any] = {name: getattr(obj, name) for name in attributes}
    if translated:
        data["translations"] = {
            row.locale: {name: getattr(row, name) for name in translated}
            for row in sorted(obj.translations, key=lambda row: row.locale)}
    return data
