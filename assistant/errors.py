"""Errors meant for the user: one Chinese sentence that says what to do."""


class UserError(Exception):
    """Raised with a Chinese message; shells print it as is."""
