"""A real OpenID Connect provider (django-oidc-provider) that the single sign-on tests run in a process of its own.

It is a separate Django project: `setup.py` migrates it and writes its clients and people, `server.py` starts it
on a free port and stops it. Nothing of Learnwell is imported here.
"""
