import hashlib
import logging

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from roles.conf import rolegate_settings

logger = logging.getLogger(__name__)


class CachedCountPaginator(Paginator):
    """
    Django's paginator, except that the total of a big list is cached for a short while.

    Counting a million scoped rows costs PostgreSQL tens of milliseconds on every page, far
    more than the page itself (read in order from an index). Totals under
    ``LIST_COUNT_CACHE_MIN_ROWS`` stay exact on every request; bigger ones may be up to
    ``LIST_COUNT_CACHE_SECONDS`` old. The cache key is the whole count query, scope filters
    included, so one caller's scopes never see another's total.
    """

    @cached_property
    def count(self) -> int:
        try:
            sql, params = self.object_list.query.sql_with_params()
        except EmptyResultSet:  # a caller without the claim: `.none()`, nothing to count
            return 0
        key = "rolegate:list-count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
        count = _cache_call(cache.get, key)
        if count is None:
            count = self.object_list.count()
            if count >= rolegate_settings.LIST_COUNT_CACHE_MIN_ROWS:
                _cache_call(cache.set, key, count, timeout=rolegate_settings.LIST_COUNT_CACHE_SECONDS)
        return count


def _cache_call(method, *args, **kwargs):
    """A cache call that degrades to "not cached" while the cache is down: an exact count costs more, nothing fails."""
    try:
        return method(*args, **kwargs)
    except Exception:  # noqa: BLE001  (the backend's connection and timeout errors, e.g. redis.ConnectionError)
        logger.warning("The cache does not answer; counting the list in the database", exc_info=True)
        return None


class RowsPagination(PageNumberPagination):
    """DRF's standard page shape; 20 rows a page keeps a response well under ChatGPT's 100,000 characters."""

    django_paginator_class = CachedCountPaginator
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema):
        """DRF's page schema, with an example of one page (DRF's own points at api.example.org)."""
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count"]["example"] = 1
        properties["next"]["example"] = properties["previous"]["example"] = None
        properties["next"]["description"] = "The URL of the next page; null on the last page."
        return response
