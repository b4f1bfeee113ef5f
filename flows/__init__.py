"""Prefect flows and the `bulletins` command line.

This package's __init__ imports nothing heavy: `bulletins parse` must not pay for Prefect.
"""
