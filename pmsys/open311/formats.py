"""Open311 answers in either format: the same data as JSON or as GeoReport v2 XML.

Every resource answers a list or one object. In XML a list is a root element
whose children are named after one item (`services` holds `service` elements),
a nested list the same way (`attributes` holds `attribute`), a missing value is
an empty element and a truth value is `true` or `false`.
"""

from __future__ import annotations

from xml.etree import ElementTree

from flask import Response, current_app, jsonify

FORMATS = ("json", "xml")
MIMETYPES = {"json": "application/json", "xml": "text/xml"}

# The element name of one item of each list, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            _fill(ElementTree.SubElement(element, name), item)
    elif isinstance(value, list):
        item_name = ITEM_NAMES[element.tag]
        for item in value:
            _fill(ElementTree.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def xml_bytes(root: str, value) -> bytes:
    """`value` (a list or a dict) as an XML document whose root element is `root`."""
    element = ElementTree.Element(root)
    _fill(element, value)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def answer(fmt: str, root: str, value, status: int = 200) -> Response:
    """`value` in the asked format: JSON as it is, XML under the element `root`."""
    if fmt == "xml":
        # A text/ type: the response class adds "; charset=utf-8".
        return current_app.response_class(xml_bytes(root, value), status=status,
                                          mimetype=MIMETYPES["xml"])
    response = jsonify(value)
    response.status_code = status
    return response
