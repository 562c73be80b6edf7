"""Password reset and change: Django's own views and token generator, with Rolegate's rules around them."""
