"""Filling Django admin pages in a real browser as an admin would: autocompletes, inline rows, saving."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page

#: Options of an open autocomplete list that can be chosen (not "Searching…", not "No results").
CHOOSABLE = "li.select2-results__option:not(.loading-results):not(.select2-results__message)"


def choose(page: Page, holder: Locator, *, text: str = "", index: int = 0) -> str:
    """Opens the autocomplete inside `holder`, types `text`, picks a result (the `index`-th); returns its label."""
    holder.locator(".select2-selection").first.click()
    if text:
        page.locator(".select2-container--open .select2-search__field").fill(text)
    options = page.locator(f".select2-container--open {CHOOSABLE}")
    option = options.filter(has_text=text).first if text else options.nth(index)
    label = option.inner_text()
    option.click()
    return label


def inline_group(page: Page, heading: str) -> Locator:
    """The inline block whose heading is `heading` ("Give this team a role")."""
    return page.locator(".inline-group").filter(has=page.get_by_role("heading", name=heading, exact=True))


def save(page: Page, button: str = "_save") -> None:
    """Clicks a save button and fails with the page's errors if the admin refused the form."""
    page.locator(f"input[name={button}]").click()
    page.wait_for_load_state()
    errors = page.locator(".errornote, .errorlist")
    assert errors.count() == 0, f"the admin refused the form: {errors.all_inner_texts()}"
    page.locator(".messagelist .success").first.wait_for()


def changed_object_id(page: Page) -> str:
    """The primary key in the URL of the change page the browser is on."""
    match = re.search(r"/([^/]+)/change/$", page.url)
    assert match, f"not on a change page: {page.url}"
    return match.group(1)


def delete(page: Page, base_url: str, change_url: str) -> None:
    """Deletes the object of `change_url` through its delete page, as an admin would."""
    page.goto(f"{base_url}{change_url.removesuffix('change/')}delete/")
    page.get_by_role("button", name=re.compile("Yes, I.m sure")).click()
    page.locator(".messagelist .success").first.wait_for()


def fill_required_fields(page: Page, form: Locator, word: str, known: dict[str, str] | None = None) -> None:
    """
    Fills every required field (and password box) of the main form that is still empty, in page
    order; `known` gives values by field name where a word would not do (formats, conditional fields).
    """
    for name, value in (known or {}).items():
        field = form.locator(f"[name={name}]:not(.inline-related [name={name}])")
        if field.count():
            field.first.fill(value.format(word=word.replace("_", "-")))
    fields = form.locator("[required]:not(.inline-related [required]), input[type=password]")
    for index in range(fields.count()):
        field = fields.nth(index)
        if field.input_value():
            continue  # filled already (a default, or a slug the name prepopulated)
        tag, kind = field.evaluate("node => [node.tagName.toLowerCase(), node.type]")
        if "admin-autocomplete" in (field.get_attribute("class") or ""):
            choose(page, field.locator("xpath=.."))
        elif tag == "select":
            field.select_option(index=1)
        elif kind == "password":
            field.fill("Walk-every-admin-page-1")
        elif kind == "email":
            field.fill(f"{word}@example.test")
        elif kind == "url":
            field.fill(f"https://{word}.example.test/")
        else:
            field.fill(word)


def fill_first_new_row(
    page: Page, group: Locator, word: str, *, choice: int, known: dict[str, str] | None = None
) -> bool:
    """
    Fills the first blank row of an inline (autocompletes: the `choice`-th result; text: `word`,
    or the `known` value of that field); False when the inline offers no blank row.
    """
    blank = ":not(.empty-form):not(.has_original)"  # not the template of new rows, not an existing row
    row = group.locator(f"tr.form-row{blank}, div.inline-related:not(.tabular){blank}").first
    if row.count() == 0:
        return False
    for cell in row.locator("td[class*=field-], div[class*=field-]").all():
        if cell.locator(".select2-selection").count():
            choose(page, cell, index=choice)
        elif cell.locator("select").count():
            cell.locator("select").first.select_option(index=1 + choice)
        else:
            text = cell.locator("input[type=text]:not(.vDateField):not(.vTimeField), textarea")
            if text.count():
                text.first.fill(_value(cell, word, known or {}))
    return True


def _value(cell: Locator, word: str, known: dict[str, str]) -> str:
    """What to type in an inline's text cell: the `known` value of its field, else `word`."""
    fields = [name.removeprefix("field-") for name in cell.get_attribute("class").split() if name.startswith("field-")]
    template = next((known[field] for field in fields if field in known), None)
    return template.format(word=word.replace("_", "-")) if template else word
