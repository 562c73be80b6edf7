"""A user's signed-in sessions (devices): listed next to Connections, ended one by one or all at once."""
