"""A user's signed-in sessions (devices): listed next to Connected apps, ended one by one or all at once."""
