"""``make run``'s local stack: one supervisor process that starts, watches and stops the embedded redis-server, the API
(``chalice local``, restarted on source changes without dropping a request) and the web app's server (static
``web/dist`` plus the ``/api`` proxy). See README "Two commands" and ``tools/run.py``."""
