"""For operators: log lines, metrics, and the admin's spreadsheets."""

from portal.settings.base import env

# ---------------------------------------------------------------- logs and metrics (operators)
# LOG_FORMAT=json: one JSON object per line (python-json-logger), for log shippers; else plain
# text. Either way every line of a request carries its request id (actions_api.request_ids).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
_LOG_FORMATTERS = {
    "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    },
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "actions_api.request_ids.RequestIdLogFilter"}},
    "formatters": {"default": _LOG_FORMATTERS["json" if LOG_FORMAT == "json" else "text"]},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # uvicorn's own lines (start-up, access log) in the same format.
    "loggers": {
        name: {"handlers": ["console"], "level": "INFO", "propagate": False} for name in ("uvicorn", "uvicorn.access")
    },
}
# /metrics (Prometheus, django-prometheus): answered only to ROLEGATE["METRICS_ALLOWED_IPS"] (reached
# directly, not through a proxy) or to `Authorization: Bearer METRICS_TOKEN`; anyone else gets a 404.

# ---------------------------------------------------------------- spreadsheets in the admin (django-import-export)
# Business data comes in and goes out as CSV or Excel; a cell starting with "=" is exported as
# text, so that opening an export never runs a formula someone typed into a customer's name.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
