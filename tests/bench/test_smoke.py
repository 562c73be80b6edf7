"""The benchmark runner, end to end on tiny data, so `make bench` cannot rot (its figures are not checked)."""

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import load
from tests.bench import run_smoke

pytestmark = pytest.mark.django_db(transaction=True)


GENERATORS = ["python", "wrk"]


def test_smoke_run_serves_every_mode_under_load_and_reports_every_figure(tmp_path):
    """
    One run with the generator `make bench` picks (wrk when installed): seeding, both gunicorns,
    every mode and every figure. Each generator's own contract is proven against a tiny server by
    the test below, so the runner is not run a second time for the other one.
    """
    generator = load.generator("auto")

    finished = run_smoke(
        "bench.run", "--load-generator", generator, "--json", str(tmp_path / "report.json"), timeout=300
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["setup"]["orders"] == 300 and report["setup"]["load_generator"] == generator
    assert report["setup"]["shared_cache"] == "FailSoftRedisCache"  # production's: rate limits call Redis
    for mode in "abc":
        figures = report["api"][mode]["median"]
        assert figures["requests_per_second"] > 0 and figures["requests_per_cpu_second"] > 0
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    for summary in ("best", "median"):
        assert set(report["ratios"][summary]) >= {"b/a throughput", "b/a p50", "b/c throughput", "b/c p50"}
    assert all(report["isolated_cpu_ms_per_request"][mode] > 0 for mode in "abc")
    assert len(report["memory"]["peak_rss_mb_per_worker"]) == report["setup"]["workers"] == 1
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


class _Answers(BaseHTTPRequestHandler):
    """200 on /ok, 404 elsewhere: what a load generator must count apart."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"ok" if self.path == "/ok" else b"missing"
        self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def tiny_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("generator", GENERATORS)
def test_each_load_generator_counts_requests_latencies_and_non_2xx_answers(tiny_server, generator):
    if generator == "wrk" and not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install -y wrk); the Python load generator is covered")

    # A fraction of a second is plenty to count (wrk runs its shortest, one second).
    served = load.run_load(
        generator=generator, url=tiny_server + "/ok", headers={"X-Bench": "1"}, seconds=0.3, connections=2
    )
    refused = load.run_load(generator=generator, url=tiny_server + "/gone", headers={}, seconds=0.3, connections=2)

    assert served.requests > 0 and served.bad_status == 0 and served.socket_errors == 0
    assert served.requests_per_second > 0 and 0 < served.p50_ms <= served.p95_ms <= served.p99_ms
    assert refused.requests > 0 and refused.bad_status == refused.requests


def test_the_token_endpoint_part_alone_reports_its_bars_without_a_server(tmp_path):
    finished = run_smoke("bench.run", "--tokens-only", "--json", str(tmp_path / "report.json"), timeout=240)

    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert "api" not in report
    for grant in ("authorization_code", "refresh_token"):
        assert report["token_endpoint"][grant]["per_cpu_second"] > 0 and report["token_endpoint"][grant]["statements"]
    assert report["password_sign_in"]["per_cpu_second"] > 0
    for line in ("refresh grants: ", "Keycloak's 120/s per vCPU", "SQL statements per grant", "sign-ins"):
        assert line in finished.stdout


def test_the_in_process_part_alone_reports_the_full_request_against_the_true_floor(tmp_path):
    finished = run_smoke("bench.run", "--in-process-only", "--json", str(tmp_path / "report.json"), timeout=240)

    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert "api" not in report and "token_endpoint" not in report
    assert set(report["isolated_cpu_ms_per_request"]) == set("abf")
    assert all(ms > 0 for ms in report["isolated_cpu_ms_per_request"].values())
    # Timed in fresh processes (one in a smoke run), the ratios taken within each.
    assert [set(figures) for figures in report["isolated_cpu_ms_per_request_by_process"]] == [set("abf")]
    low, high = report["isolated_cpu_ratio_ranges"]["b/f"]
    assert low == report["isolated_cpu_ratios"]["b/f"] == high > 0
    assert "full request / true floor (b/f)" in finished.stdout and "median of 1 process," in finished.stdout
