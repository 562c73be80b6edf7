"""Prometheus counters of the OAuth side (exported at /metrics with every other metric)."""

from prometheus_client import Counter

TOKENS_ISSUED = Counter(
    "rolegate_tokens_issued",
    "Access tokens minted, by OAuth grant type (authorization_code, refresh_token, …).",
    ["grant_type"],
)
