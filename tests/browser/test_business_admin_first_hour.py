"""
Issue 17's "Done when", in a real browser on a fresh database: a new superuser, with no shell,
creates a role from the registered permissions and the offered scope values, imports customers
and orders from CSV, connects a GPT and sees a user's rows through "see what they see"; that
user then gets exactly those rows through the real GPT flow. Then every page a business admin
touches is opened on a phone and a desktop, and the screenshots go to docs/screenshots.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from accounts.models import User
from actions_api.call_log import action_calls
from roles.models import ApiPermission
from tests.browser.admin_pages import choose, inline_group, save
from tests.browser.conftest import CHROMIUM, DESKTOP, PHONE, admin_sign_in
from tests.chatgpt import ChatGPT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
OWNER, OWNER_PASSWORD = "owner", "first-hour-owner-1"
SAM_PASSWORD = "Sam-sells-in-EMEA-1"
CUSTOMERS_CSV = (
    "name,region,country,email\n"
    "Aurora Logistics,EMEA,Germany,ops@aurora.example\n"
    "Brightwell Foods,EMEA,France,\n"
    "Fairview Energy,AMER,United States,\n"
    "Kestrel Electronics,APAC,Japan,\n"
)
ORDERS_CSV = (
    "reference,customer,amount,currency,status,placed_at\n"
    "EMEA-1,Aurora Logistics,1250.75,EUR,open,2026-02-03 14:00:00\n"
    "EMEA-2,Brightwell Foods,310.00,EUR,paid,2026-02-05 10:00:00\n"
    "AMER-1,Fairview Energy,99.00,USD,paid,2026-02-04 09:30:00\n"
    "APAC-1,Kestrel Electronics,42.00,USD,shipped,2026-02-06 08:00:00\n"
)


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: docs/screenshots with `UPDATE_SCREENSHOTS=1` (make screenshots), else a temp dir."""
    return SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path


@pytest.fixture
def fresh_portal(transactional_db, live_server):
    """A live portal on a freshly migrated database: no demo data, only what `migrate` registers."""
    return live_server


@pytest.fixture
def open_page(browser, fresh_portal):
    """Pages of the portal; any request to another host (a CDN, a font) is blocked and fails the test."""
    contexts, offsite = [], []
    host = urlsplit(fresh_portal.url).netloc

    def block_offsite(route):
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            offsite.append(route.request.url)
            route.abort()

    def new(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, color_scheme="light")
        context.set_default_timeout(15_000)
        context.route("**/*", block_offsite)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()
    assert offsite == []


def sign_in_as_owner(page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("Username").fill(OWNER)
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up Rolegate").wait_for()


def import_csv(page, base_url: str, model: str, content: str, shot: Path | None = None) -> None:
    page.goto(f"{base_url}/admin/actions_api/{model}/import/")
    page.set_input_files(
        "#id_import_file", {"name": f"{model}s.csv", "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.select_option("#id_format", label="csv")
    page.get_by_role("button", name="Submit").click()
    confirm = page.get_by_role("button", name="Confirm import")
    confirm.wait_for()
    if shot:
        page.screenshot(path=shot, full_page=True)
    confirm.click()
    page.locator(".messagelist .success").first.wait_for()


def create_role(page, base_url: str, shots: Path) -> None:
    page.goto(f"{base_url}/admin/roles/role/add/")
    page.fill("#id_name", "Sales EMEA")
    registered = page.locator("#id_permissions_from option").all_inner_texts()
    assert {"customers.read", "orders.read", "documents.read"} <= set(registered)
    page.select_option("#id_permissions_from", label=["customers.read", "orders.read"])
    page.click("#id_permissions_add")
    row = page.locator("#data_scopes-group tr.form-row:not(.empty-form)").first
    row.locator("select[name$=attribute]").select_option("region")
    value = row.locator("input[name$=-value]")
    offered = page.locator(f"datalist#{value.get_attribute('list')} option").evaluate_all(
        "options => options.map(option => option.value + ' ' + option.label)"
    )
    assert {"* every value", "EMEA region", "AMER region", "APAC region"} <= set(offered)
    value.fill("NORDICS")  # a typo: no row has it
    page.locator("input[name=_continue]").click()
    page.get_by_text("No row has region = NORDICS").wait_for()
    page.screenshot(path=shots / "role-scope-warning-desktop.png", full_page=True)
    page.locator("#data_scopes-group input[name$=-value]").first.fill("EMEA")
    page.locator("input[name=_continue]").click()
    page.get_by_text("customers: 2, orders: 2, documents: no permission").wait_for()
    page.screenshot(path=shots / "role-desktop.png", full_page=True)


def create_user_with_role(page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/accounts/user/add/")
    page.fill("#id_username", "sam")
    page.fill("#id_password1", SAM_PASSWORD)
    page.fill("#id_password2", SAM_PASSWORD)
    choose(page, inline_group(page, "Give a role"), text="Sales EMEA")
    save(page, "_continue")


def connect_gpt(page, base_url: str) -> ChatGPT:
    page.goto(f"{base_url}/admin/accounts/gptconnection/add/")
    page.fill("#id_name", "Sales GPT")
    page.locator("input[name=_save]").click()
    page.get_by_role("heading", name="Connect your GPT in five steps").wait_for()
    return ChatGPT(
        base_url, client_id=page.inner_text("#gpt-client_id"), client_secret=page.inner_text("#gpt-client_secret")
    )


def see_what_sam_sees(page, base_url: str, shots: Path) -> dict[str, set[str]]:
    sam = User.objects.get(username="sam")
    page.goto(f"{base_url}/admin/accounts/user/{sam.pk}/change/")
    page.get_by_role("link", name="See what they see").click()
    page.select_option("#sees-connection", label=f"Sales GPT ({sees_client_id(page)})")
    page.get_by_role("button", name="Show").click()
    page.locator("#sees-customers table").wait_for()
    page.screenshot(path=shots / "see-what-they-see-desktop.png", full_page=True)
    return {
        name: set(page.locator(f"#sees-{name} tbody tr td:nth-child({column})").all_inner_texts())
        for name, column in (("customers", 2), ("orders", 2))
    }


def sees_client_id(page) -> str:
    return page.locator("#sees-connection option", has_text="Sales GPT").get_attribute("value")


def test_a_new_superuser_sets_up_a_gpt_with_no_shell_and_the_user_gets_exactly_the_rows_shown(
    open_page, fresh_portal, shots
):
    assert CHROMIUM.exists()
    assert ApiPermission.objects.filter(code__in=["customers.read", "orders.read", "documents.read"]).count() == 3
    User.objects.create_superuser(OWNER, "owner@example.test", OWNER_PASSWORD)  # what createsuperuser does
    base, page = fresh_portal.url, open_page()

    sign_in_as_owner(page, base)
    assert page.locator(".setup-steps li.done").count() == 0
    page.screenshot(path=shots / "home-staff-desktop.png", full_page=True)
    import_csv(page, base, "customer", CUSTOMERS_CSV, shots / "import-preview-desktop.png")
    import_csv(page, base, "order", ORDERS_CSV)
    create_role(page, base, shots)
    create_user_with_role(page, base)
    gpt = connect_gpt(page, base)
    shown = see_what_sam_sees(page, base, shots)

    assert shown == {"customers": {"Aurora Logistics", "Brightwell Foods"}, "orders": {"EMEA-1", "EMEA-2"}}
    gpt.sign_in("sam", SAM_PASSWORD)
    assert gpt.call("/api/v1/me").json()["data_scopes"] == {"region": ["EMEA"]}
    assert {row["name"] for row in gpt.all_rows("/api/v1/customers")} == shown["customers"]
    assert {row["reference"] for row in gpt.all_rows("/api/v1/orders")} == shown["orders"]
    assert gpt.call("/api/v1/documents").status_code == 403

    action_calls.flush()  # the live server's calls, written within a second in a deployment
    page.goto(f"{base}/admin/dashboard/")
    assert page.locator(".setup li.done").count() == 4  # users, a role given, a connection, a who-am-I call
    page.screenshot(path=shots / "dashboard-desktop.png", full_page=True)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("size,viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_every_page_a_business_admin_touches_works_on_a_phone_and_a_desktop(
    open_page, fresh_portal, shots, size, viewport
):
    from actions_api.demo import seed_demo

    seed_demo()
    alice = User.objects.get(username="alice")
    base, page = fresh_portal.url, open_page(viewport)
    admin_sign_in(page, base)
    pages = {
        "home-staff": "/",
        "dashboard": "/admin/dashboard/",
        "see-what-they-see": f"/admin/see-what-they-see/user/{alice.pk}/?connection=demo-gpt",
        "customers": "/admin/actions_api/customer/",
        "import": "/admin/actions_api/order/import/",
        "roles": "/admin/roles/role/",
        "assignments": "/admin/roles/roleassignment/",
        "teams": "/admin/roles/team/",
        "connections": "/admin/accounts/gptconnection/",
        "permissions": "/admin/roles/apipermission/",
    }
    for name, path in pages.items():
        response = page.goto(f"{base}{path}")
        assert response.status == 200, (name, response.status)
        if name in ("home-staff", "dashboard", "see-what-they-see"):  # the pages this issue added
            assert no_horizontal_scroll(page), name
            if size == "phone":
                page.screenshot(path=shots / f"{name}-phone.png", full_page=True)
    page.goto(f"{base}/admin/dashboard/")
    assert page.locator("svg[role=img]").count() >= 2  # the hourly and the daily chart, drawn on the server
    page.context.clear_cookies()
    page.goto(f"{base}/")
    assert urlsplit(page.url).path == "/accounts/login/"
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("rolegate-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Region: EMEA").wait_for()
    assert no_horizontal_scroll(page)
    page.screenshot(path=shots / f"home-user-{size}.png", full_page=True)
