"""Invitations: an admin invites people by email with roles and teams preset; they set their own password."""
