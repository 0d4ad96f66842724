"""The benchmark's Python server: SimpleXMLRPCServer with the seed's `add` and the shop's
`catalog.getProduct` / `catalog.search` over the same two products as the Rust server.

python3 py_server.py  ->  prints the port, then serves until killed.
"""
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCServer


def product(pid, name, cents, stock):
    return {"id": pid, "name": name, "price": {"amount_minor": cents, "currency": "EUR"},
            "tags": ["kitchen"], "attributes": {}, "status": "ACTIVE", "stock": stock,
            "in_stores": False, "units_sold": 0}


PRODUCTS = {"p1": product("p1", "Teapot", 2500, 10), "p2": product("p2", "Kettle", 4999, 3)}


def add(a, b):
    return a + b


def get_product(pid):
    if pid not in PRODUCTS:
        raise xmlrpc.client.Fault(5, 'NotFound: {"resource":"product","id":"%s"}' % pid)
    return PRODUCTS[pid]


def search(query, limit=None, status=None):
    q = query.lower()
    found = [p for p in PRODUCTS.values()
             if q in p["name"].lower() and (status is None or p["status"] == status)]
    return found[:10 if limit is None else limit]


srv = SimpleXMLRPCServer(("127.0.0.1", 0), allow_none=True, logRequests=False)
srv.register_function(add, "add")
srv.register_function(get_product, "catalog.getProduct")
srv.register_function(search, "catalog.search")
print(srv.server_address[1], flush=True)
srv.serve_forever()
