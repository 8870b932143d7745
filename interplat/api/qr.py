"""QR images of chat links, for the CSR side, emails and posters (the code is the secret)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from ..config import get_settings
from ..services import qr
from .deps import SessionDep

router = APIRouter(prefix="/qr", tags=["links"])


@router.get(
    "/{code}.{fmt}",
    response_class=Response,
    responses={
        200: {
            "content": {"image/svg+xml": {}, "image/png": {}},
            "description": "The QR code of the chat link",
        }
    },
)
def link_qr(
    session: SessionDep,
    code: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    fmt: Literal["svg", "png"],
    scale: Annotated[int, Query(ge=1, le=40)] = 8,
) -> Response:
    """The QR code of a live chat link, as SVG or PNG."""
    image = qr.link_qr(
        session=session, code=code, fmt=fmt, base_url=get_settings().public_base_url, scale=scale
    )
    return Response(
        image, media_type=qr.CONTENT_TYPES[fmt], headers={"Cache-Control": "private, max-age=300"}
    )
