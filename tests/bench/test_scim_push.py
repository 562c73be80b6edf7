"""The SCIM push benchmark, end to end on tiny data, so `make bench-scim` cannot rot (figures not checked)."""

import json
import subprocess
import sys

import pytest

from accounts.models import User
from tests.bench.test_smoke import ROOT, _database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_smoke_push_creates_every_user_and_group_over_http(tmp_path):
    report_file = tmp_path / "report.json"
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.scim_push",
            "--smoke",
            "--database-url",
            _database_url(),
            "--json",
            str(report_file),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(report_file.read_text())
    assert (report["users"], report["groups"], report["memberships"]) == (50, 5, 100)
    assert report["users_per_second"] > 0 and report["filter_by_username_ms"] > 0
    assert User.objects.filter(username__endswith="@scim-bench.example.com").count() == 50
