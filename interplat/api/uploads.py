"""Request bodies that carry a file, read with a limit before anything is stored."""

from __future__ import annotations

from fastapi import Request

from ..services.errors import DomainError


async def read_limited(request: Request, limit: int, too_large: DomainError) -> bytes:
    """The whole body, raising ``too_large`` as soon as it is known to pass ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
