"""moto's server for the local stack, answering only requests addressed to loopback.

A web page from anywhere can point a name of its own at 127.0.0.1 and have the
browser send it requests as to its own origin (DNS rebinding); moto's server checks
no Host, and it issues the tokens the local backend trusts. This runs moto's own
WSGI application behind a check that the Host, and every host a proxy says it
forwarded for (X-Forwarded-Host, Forwarded's host=), name loopback, as the backend's
and the hosted-UI imitation's servers do (the `loopback` crate): others get a 400.

    python xtask/moto_server.py PORT
"""

import ipaddress
import os
import sys

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

REFUSAL = b"this local server answers only requests addressed to localhost or 127.0.0.1"


def is_loopback_host(host):
    """Whether a Host value names loopback: localhost, 127.0.0.0/8 or [::1], any port."""
    host = host.strip()
    if host.startswith("["):
        address, _, rest = host[1:].partition("]")
        return address == "::1" and (rest == "" or (rest[0] == ":" and is_port(rest[1:])))
    name, colon, port = host.rpartition(":")
    if not colon:
        name = host
    elif not is_port(port):
        return False
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.IPv4Address(name).is_loopback
    except ValueError:
        return False


def is_port(digits):
    return digits.isascii() and digits.isdigit() and int(digits) <= 65535


def forwarded_hosts(environ):
    if "HTTP_X_FORWARDED_HOST" in environ:
        yield from environ["HTTP_X_FORWARDED_HOST"].split(",")
    for element in environ.get("HTTP_FORWARDED", "").replace(";", ",").split(","):
        name, equals, value = element.strip().partition("=")
        if equals and name.strip().lower() == "host":
            yield value.strip().strip('"')


class LoopbackOnly:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        hosts = [environ.get("HTTP_HOST", ""), *forwarded_hosts(environ)]
        if all(is_loopback_host(host) for host in hosts):
            return self.app(environ, start_response)
        start_response(
            "400 Bad Request",
            [("Content-Type", "text/plain"), ("Content-Length", str(len(REFUSAL)))],
        )
        return [REFUSAL]


def main():
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        "127.0.0.1",
        port,
        LoopbackOnly(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
