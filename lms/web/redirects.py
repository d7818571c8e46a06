"""Redirect targets that stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, request, url_for


def is_local(target: str | None) -> bool:
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def local_next() -> str | None:
    """The ``next`` of the request if it is a local path, else None."""
    target = request.values.get("next")
    return target if is_local(target) else None


def next_url(default_endpoint: str = "web.home") -> str:
    """The ``next`` of the request if it is a local path, else ``default_endpoint``."""
    return local_next() or url_for(default_endpoint)


def redirect_next(default_endpoint: str = "web.home"):
    return redirect(next_url(default_endpoint))
