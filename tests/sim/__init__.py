"""Tests of the simulated endpoint.

A package, so that its conftest does not shadow tests/conftest.py as ``conftest``.
"""
