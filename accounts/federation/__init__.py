"""
Federated sign-in: employees sign in with their company's identity provider (IdP).

django-allauth speaks the protocols (OpenID Connect, SAML); this package holds what Rolegate
decides: which IdPs exist and for which email domains, how an IdP identity becomes a Rolegate
user (never by email alone), and which teams the IdP's groups grant.
"""
