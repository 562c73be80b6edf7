from rest_framework.pagination import PageNumberPagination


class RowsPagination(PageNumberPagination):
    """DRF's standard page shape; 20 rows a page keeps a response well under ChatGPT's 100,000 characters."""

    page_size_query_param = "page_size"
    max_page_size = 100
