"""
The production settings plus the bench-only URLs: only the benchmark runner serves these.

Everything else (DEBUG off, middleware, hashers, DRF configuration) is exactly production's.
"""

import os
import warnings

os.environ.setdefault("SECRET_KEY", "insecure-rolegate-bench-key")
# One benchmark reader sends thousands of requests a second: keep the throttles (their cost is
# part of every mode) but far above what the load generator can reach.
os.environ.setdefault("API_RATE_PER_USER", "100000000/min")
os.environ.setdefault("API_RATE_PER_CONNECTION", "100000000/min")

from portal.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
# The server's log would otherwise print a line per request and be part of what is measured.
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The benchmark serves no static files, so nothing is collected for WhiteNoise to serve.
warnings.filterwarnings("ignore", message="No directory at")
