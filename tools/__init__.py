"""Developer tooling for this machine (``make run``, data builders). Never packaged: Chalice ships only app.py and
chalicelib/."""
