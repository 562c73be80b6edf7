"""The staff's first-run checklist and the dashboard of the Action-call log (server-side SVG charts)."""
