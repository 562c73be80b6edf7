"""Staff pages over the API: the first-run checklist, the dashboard, and "see what they see"."""
