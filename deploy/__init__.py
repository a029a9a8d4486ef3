"""Deployment scripts and configuration; a package only so that tests and mypy import its Python files by one name."""
