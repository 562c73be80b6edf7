"""What users allowed on the consent page (see accounts.views.AuthorizeView)."""
