"""The SCIM push benchmark, end to end on tiny data, so `make bench-scim` cannot rot (figures not checked)."""

import json

import pytest

from accounts.models import User
from tests.bench import run_smoke

pytestmark = pytest.mark.django_db(transaction=True)


def test_smoke_push_creates_every_user_and_group_over_http(tmp_path):
    finished = run_smoke("bench.scim_push", "--json", str(tmp_path / "report.json"))
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["users"], report["groups"], report["memberships"]) == (50, 5, 100)
    assert report["users_per_second"] > 0 and report["filter_by_username_ms"] > 0
    assert User.objects.filter(username__endswith="@scim-bench.example.com").count() == 50
