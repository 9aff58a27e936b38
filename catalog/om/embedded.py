"""A private, short-lived HTTP server for the CLI to talk to when Custos' own is not given.

``manage.py om_ingest`` and the background task run ``metadata ingest`` as a subprocess that
must reach Custos over HTTP. Unless ``CUSTOS_OM_SERVER_URL`` (or ``--server``) names a running
Custos, this serves the Django app on 127.0.0.1 and a free port for the duration of the run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.servers.basehttp import (
    ThreadedWSGIServer,
    WSGIRequestHandler,
    get_internal_wsgi_application,
)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def embedded_server() -> Iterator[str]:
    """Serve Custos on 127.0.0.1:<free port>; yields its base URL."""
    httpd = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    httpd.set_app(get_internal_wsgi_application())
    thread = threading.Thread(target=httpd.serve_forever, name="custos-om-server", daemon=True)
    thread.start()
    try:
        host, port = httpd.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
