from rest_framework.pagination import PageNumberPagination


class RowsPagination(PageNumberPagination):
    """DRF's standard page shape; 20 rows a page keeps a response well under ChatGPT's 100,000 characters."""

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
