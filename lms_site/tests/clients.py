"""Helpers for tests that walk a permission matrix with one test client."""


def as_(client, user):
    """The client signed in as `user`, or signed out for None (a visitor)."""
    client.logout()
    if user is not None:
        client.force_login(user)
    return client
