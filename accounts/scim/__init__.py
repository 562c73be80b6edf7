"""
SCIM 2.0 provisioning (RFC 7643/7644): the company directory (Entra ID, Okta, …) pushes users and
groups; groups become teams, so roles and data scopes follow the directory.

The protocol itself (routing, validation, PATCH, ETags, error bodies, discovery) is scim2-server's
and scim2-models'; this package only stores resources in Rolegate's models (see ``storage``).
"""
