"""Deployment tooling: generates chalice's ``--merge-template`` and packages/validates the SAM template. Not shipped."""
