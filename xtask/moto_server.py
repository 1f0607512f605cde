"""moto's own server, with one guarantee of DynamoDB's that moto's server lacks.

DynamoDB applies each write to an item atomically: of many conditional writes racing
on one item, each sees the one before it, so a condition such as "count < 5" lets
exactly five through. moto's threaded server applies a write as a read, a check and
a write with no lock between them, so two racing writes can both pass the check (a
limit of 5 lets 6 through). Here DynamoDB requests are applied one at a time, as
DynamoDB itself would order them; everything else (Cognito) stays concurrent.

Run as `python moto_server.py -H 127.0.0.1 -p 5000`, with moto_server's own flags.
"""

import threading

from moto import server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

_dynamodb = threading.Lock()
_dispatch = DomainDispatcherApplication.__call__


def _dispatch_dynamodb_in_order(self, environ, start_response):
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        with _dynamodb:
            # The whole answer is made while the lock is held.
            return list(_dispatch(self, environ, start_response))
    return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _dispatch_dynamodb_in_order

if __name__ == "__main__":
    server.main()
