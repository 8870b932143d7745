import datetime as dt
import xml.etree.ElementTree as ET

from interplat import routes
from interplat.config import get_settings
from interplat.db import session_scope
from interplat.models import Channel, utcnow
from interplat.services import links, qr
from tests.factories import make_enterprise


def _link(db_url, **kw):
    with session_scope(db_url) as s:
        enterprise = make_enterprise(s)
        return links.create_short_link(
            session=s, enterprise_id=enterprise.id, channel=Channel.QR, **kw
        ).code


def test_svg_and_png_encode_the_chat_url(api, db_url):
    code = _link(db_url)
    url = routes.chat_url(get_settings().public_base_url, code)
    svg = api.get(f"/api/qr/{code}.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert ET.fromstring(svg.content).tag.endswith("svg")
    assert svg.content == qr.qr_image(url, "svg")
    assert svg.content != qr.qr_image(url + "x", "svg")
    png = api.get(f"/api/qr/{code}.png?scale=4")
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert png.content == qr.qr_image(url, "png", scale=4)


def test_unknown_expired_or_malformed_codes_get_no_image(api, db_url):
    old = _link(db_url, ttl=dt.timedelta(minutes=1), now=utcnow() - dt.timedelta(hours=1))
    for path in (f"/api/qr/{old}.svg", "/api/qr/nope.svg"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api.get("/api/qr/a%20b.svg").status_code == 400
    assert api.get(f"/api/qr/{old}.gif").status_code == 400
