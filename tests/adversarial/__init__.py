"""Tests against an endpoint of our own that misbehaves on purpose (app.py)."""
