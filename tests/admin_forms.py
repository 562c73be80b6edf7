"""Reads an admin form as a browser would submit it, so tests post exactly what the page offers."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == self.form_id:
            self._inside = True
        if not self._inside:
            return
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "button", "file"):
            if attributes.get("type") in ("checkbox", "radio") and "checked" not in attributes:
                return
            default = "on" if attributes.get("type") == "checkbox" else ""
            self.fields.append((name, attributes.get("value") or default))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.fields.append((self._select, attributes.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form" and self._inside:
            self._inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None


def admin_form(html: str, form_id: str) -> dict[str, list[str]]:
    """name -> values of the form `form_id` as submitted unchanged."""
    parser = _Form(form_id)
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data
