"""The benchmark runner, end to end on tiny data, so `make bench` cannot rot (its figures are not checked)."""

import json
import shutil

import pytest

from tests.bench import run_smoke

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("generator", ["python", "wrk"])
def test_smoke_run_serves_every_mode_under_load_and_reports_every_figure(tmp_path, generator):
    if generator == "wrk" and not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install -y wrk); the Python load generator is covered")

    finished = run_smoke("bench.run", "--load-generator", generator, "--json", str(tmp_path / "report.json"))

    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["setup"]["orders"] == 300 and report["setup"]["load_generator"] == generator
    for mode in "abc":
        figures = report["api"][mode]["median"]
        assert figures["requests_per_second"] > 0 and figures["requests_per_cpu_second"] > 0
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    for summary in ("best", "median"):
        assert set(report["ratios"][summary]) >= {"b/a throughput", "b/a p50", "b/c throughput", "b/c p50"}
    assert all(report["isolated_cpu_ms_per_request"][mode] > 0 for mode in "abc")
    assert len(report["memory"]["peak_rss_mb_per_worker"]) == 2
    assert all(megabytes > 10 for megabytes in report["memory"]["peak_rss_mb_per_worker"])
    for grant in ("authorization_code", "refresh_token"):
        assert report["token_endpoint"][grant]["per_cpu_second"] > 0
    assert report["password_sign_in"]["per_cpu_second"] > 0
    sizes = report["token_size_bytes"]
    for reading in ("each", "half_each"):
        assert list(sizes[reading]) == ["1", "10", "100"]
        assert sizes[reading]["1"] < sizes[reading]["10"] < sizes[reading]["100"]
    assert 10 < sizes["largest_each_under_limit"] < 1000
    for heading in (
        "req/s",
        "p95 ms",
        "ratios:",
        "targets",
        "token endpoint, per CPU-second",
        "password sign-ins",
        "access token size",
        "peak RSS per worker",
        "CPU per request in process",
    ):
        assert heading in finished.stdout


def test_the_runner_refuses_a_database_with_real_users(django_user_model):
    django_user_model.objects.create_user(username="someone-real", password="a real password")

    finished = run_smoke("bench.run", timeout=120)

    assert finished.returncode != 0
    assert "database of its own" in finished.stderr
    assert not django_user_model.objects.filter(username__startswith="bench-").exists()
