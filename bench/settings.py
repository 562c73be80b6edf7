"""
The production settings plus the bench-only URLs: only the benchmark runner serves these.

Everything else (DEBUG off, middleware, hashers, DRF configuration) is exactly production's.
"""

import os
import warnings

os.environ.setdefault("SECRET_KEY", "insecure-rolegate-bench-key")

from portal.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
# The server's log would otherwise print a line per request and be part of what is measured.
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The benchmark serves no static files, so nothing is collected for WhiteNoise to serve.
warnings.filterwarnings("ignore", message="No directory at")
