"""Walking a sign-in across servers as a browser would (requests, redirects followed by hand)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from tests.chatgpt import form_fields


def follow(browser: requests.Session, response: requests.Response, *, until: str = "https://chatgpt.com"):
    """Follows redirects across both servers, stopping at a page or at a URL starting with `until`."""
    while response.is_redirect:
        location = requests.compat.urljoin(response.url, response.headers["Location"])
        if location.startswith(until):
            return response
        response = browser.get(location, allow_redirects=False)
    return response


def post_form(browser, page, action: str = "", **values):
    fields = {**form_fields(page.text), **values}
    return browser.post(requests.compat.urljoin(page.url, action or page.url), data=fields, allow_redirects=False)


def consent(browser, page) -> dict:
    """Allows on the consent page, or (a repeat of exactly what the user allowed) takes the code it skipped to."""
    if page.status_code == 302 and "code=" in page.headers["Location"]:
        response = page  # the user allowed exactly this request before: no consent page (issue 11)
    else:
        assert page.status_code == 200 and "/o/authorize/" in page.url, (page.status_code, page.url, page.text[:300])
        response = post_form(browser, page, allow="Authorize")
    assert response.status_code == 302
    return {name: values[0] for name, values in parse_qs(urlsplit(response.headers["Location"]).query).items()}
