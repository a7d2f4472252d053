"""Workflow rules as plain functions: they take models and values, never the request."""
