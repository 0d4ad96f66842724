//! The shop over XML-RPC: every method called from Python's `xmlrpc.client` with every type the
//! shop has, faults, MultiCall and introspection; and the generated Rust clients making the same
//! calls against the generated server and against a Python `SimpleXMLRPCServer` shop.
#![cfg(feature = "server")]

use std::collections::BTreeMap;
use std::time::Duration;

use rosetta::{ErrorKind, Timestamp};
use rosetta_examples::shop::common::{Money, NotFound, PageRequest};
use rosetta_examples::shop::v1::{
    AlreadyExists, CardPayment, InvoicePayment, NewProduct, Order, OrderLine, OutOfStock, Payment,
    Status as ProductStatus, catalog, orders,
};
use rosetta_tests::{PythonServer, RunningServer, run_python, stdlib_python};

const PY_SHOP: &str = r#"
import sys, json, datetime, urllib.request, xmlrpc.client as x

url = sys.argv[1]

# Python's Marshaller refuses ints past 32 bits; teach it <i8> to send an i64.
def dump_int(self, value, write):
    tag = "int" if -2**31 <= value < 2**31 else "i8"
    write("<value><%s>%d</%s></value>\n" % (tag, value, tag))
x.Marshaller.dispatch[int] = dump_int

p = x.ServerProxy(url, allow_none=True, use_builtin_types=True)

def fault(call, code, contains=""):
    try:
        call()
    except x.Fault as f:
        assert f.faultCode == code, (f.faultCode, f.faultString, code)
        assert contains in f.faultString, (f.faultString, contains)
        return f
    raise SystemExit("no fault (wanted %d %r)" % (code, contains))

def fields(f, name):
    assert f.faultString.startswith(name + ": "), f.faultString
    return json.loads(f.faultString[len(name) + 2:])

# No input, no output.
assert p.orders.ping() is None

# A struct with every kind of member; absent optionals are left out.
t = p.catalog.getProduct("p1")
assert t["id"] == "p1" and t["name"] == "Teapot", t
assert t["price"] == {"amount_minor": 2500, "currency": "EUR"}
assert t["tags"] == ["kitchen"] and t["attributes"] == {} and t["status"] == "ACTIVE"
assert t["stock"] == 10 and t["in_stores"] is False and t["units_sold"] == 0
for absent in ["discontinued_at", "image", "rating"]:
    assert absent not in t, absent
f = fault(lambda: p.catalog.getProduct("nope"), 5)
assert fields(f, "NotFound") == {"resource": "product", "id": "nope"}

# One message in: unicode and escape-heavy strings, an i64 past 32 bits, bytes, maps, lists.
NAME = "Th\u00e9 <pot> & \"co\" 'x' \U0001F375 ]]> &amp; \u4e2d"
new = {"name": NAME, "price": {"amount_minor": 2**40, "currency": "GBP"},
       "tags": ["a", "b <&>", ""], "attributes": {"colour": "blue", "size <&> \u00e9": "L\n  XL"},
       "image": bytes(range(256)) * 4}
c = p.catalog.createProduct(new)
assert c["name"] == NAME and c["price"] == new["price"], c
assert c["tags"] == new["tags"] and c["attributes"] == new["attributes"]
assert c["image"] == new["image"] and isinstance(c["image"], bytes)
assert p.catalog.getProduct(c["id"]) == c
# The i64 answers as <i8>; 32-bit values as <int>.
raw = urllib.request.urlopen(url, x.dumps((c["id"],), "catalog.getProduct").encode()).read()
assert b"<i8>1099511627776</i8>" in raw and b"<int>0</int>" in raw, raw[:300]

f = fault(lambda: p.catalog.createProduct(new), 6)
assert fields(f, "AlreadyExists") == {"id": c["id"]}
f = fault(lambda: p.catalog.createProduct(dict(new, name="Neg", price={"amount_minor": -1, "currency": "EUR"})), -32602, "price.amount_minor:")
f = fault(lambda: p.catalog.createProduct(dict(new, name="", price={"amount_minor": 1, "currency": "eur"})), -32602, "name:")
assert "price.currency:" in f.faultString, f.faultString
fault(lambda: p.catalog.createProduct({"name": "x"}), -32602, "price: missing required member")
fault(lambda: p.catalog.createProduct(dict(new, name="y", image="not bytes")), -32602, "image: expected base64, found string")

# A parameter list with trailing optionals (None, or left out), an enum as a string.
assert [r["id"] for r in p.catalog.search("tea")] == ["p1"]
assert len(p.catalog.search("")) == 3
assert len(p.catalog.search("", 1)) == 1
assert len(p.catalog.search("", None, "ACTIVE")) == 3
assert p.catalog.search("", None, "DISCONTINUED") == []
fault(lambda: p.catalog.search("", 0), -32602, "limit:")
fault(lambda: p.catalog.search("", 101), -32602, "limit:")
fault(lambda: p.catalog.search("", 5, "GONE"), -32602, "status")
fault(lambda: p.catalog.search("x" * 101), -32602, "query:")

# One message in, paging: an optional answered when present, left out when not.
page = p.catalog.listProducts({"size": 2})
assert [i["id"] for i in page["items"]] == ["p1", "p2"] and page["next_token"] == "2", page
page2 = p.catalog.listProducts({"size": 2, "token": page["next_token"]})
assert len(page2["items"]) == 1 and "next_token" not in page2, page2
assert p.catalog.listProducts({"size": 2, "token": None})["next_token"] == "2"
fault(lambda: p.catalog.listProducts({"size": 0}), -32602, "size:")
assert p.catalog.listProducts({"size": 1, "token": "zz"})["items"] == []   # past the last page
fault(lambda: p.catalog.listProducts(2), -32602, "expected struct")
fault(lambda: p.catalog.listProducts({"size": 1}, {"size": 1}), -32602, "wrong number of params")

# Recursive structs.
assert p.catalog.categories() == [{"name": "Kitchen", "children": [
    {"name": "Teapots", "children": []}, {"name": "Kettles", "children": []}]}]

# Nested structs, lists, unions as one-member structs, datetimes; i32 edges meet @range.
when = datetime.datetime(2020, 1, 1)
order = {"id": "", "customer_email": "ann@example.com",
         "lines": [{"product_id": "p1", "quantity": 2}],
         "total": {"amount_minor": 0, "currency": "EUR"}, "placed_at": when}
card = {"card": {"last4": "4242"}}
o = p.orders.placeOrder(order, card)
assert o["id"].startswith("o") and o["total"] == {"amount_minor": 5000, "currency": "EUR"}, o
assert o["lines"] == order["lines"] and o["customer_email"] == "ann@example.com"
assert isinstance(o["placed_at"], datetime.datetime) and o["placed_at"] > when
assert p.orders.getOrder(o["id"]) == o
o2 = p.orders.placeOrder(dict(order, lines=[{"product_id": "p2", "quantity": 1}]), {"invoice": {"due_days": 90}})
assert o2["total"]["amount_minor"] == 4999
for q in [0, 1001, 2**31 - 1, -2**31]:
    fault(lambda: p.orders.placeOrder(dict(order, lines=[{"product_id": "p1", "quantity": q}]), card),
          -32602, "order.lines[0].quantity:")
fault(lambda: p.orders.placeOrder(dict(order, lines=[]), card), -32602, "order.lines:")
fault(lambda: p.orders.placeOrder(dict(order, customer_email="nope"), card), -32602, "order.customer_email:")
fault(lambda: p.orders.placeOrder(order, {"card": {"last4": "12"}}), -32602, "last4")
fault(lambda: p.orders.placeOrder(order, {"invoice": {"due_days": 91}}), -32602, "due_days")
fault(lambda: p.orders.placeOrder(order, {"card": {"last4": "1234"}, "invoice": {"due_days": 1}}), -32602, "payment")
fault(lambda: p.orders.placeOrder(order, {"cash": {}}), -32602, "payment")
fault(lambda: p.orders.placeOrder(order, "card"), -32602, "payment")
fault(lambda: p.orders.placeOrder(dict(order, placed_at="yesterday"), card), -32602, "order.placed_at: expected dateTime.iso8601")
f = fault(lambda: p.orders.placeOrder(dict(order, lines=[{"product_id": "p1", "quantity": 999}]), card), 4001)
assert fields(f, "OutOfStock") == {"product_id": "p1", "available": 8}
f = fault(lambda: p.orders.placeOrder(dict(order, lines=[{"product_id": "zz", "quantity": 1}]), card), 5)
assert fields(f, "NotFound") == {"resource": "product", "id": "zz"}
f = fault(lambda: p.orders.getOrder("o999"), 5)
assert fields(f, "NotFound") == {"resource": "order", "id": "o999"}

# Datetimes in; an i64 out.
assert p.orders.countOrders(when) == 2
assert p.orders.countOrders(datetime.datetime(2999, 1, 1)) == 0
assert x.ServerProxy(url).orders.countOrders(x.DateTime("20200101T00:00:00")) == 2

# A unit result is None.
assert p.catalog.deleteProduct(c["id"]) is None
fault(lambda: p.catalog.deleteProduct(c["id"]), 5, "NotFound: ")

# Unknown method, wrong arity, wrong type.
fault(lambda: p.catalog.nope(), -32601, "catalog.nope")
fault(lambda: p.catalog.getProduct(), -32602, "wrong number of params")
fault(lambda: p.catalog.getProduct("a", "b"), -32602, "wrong number of params")
fault(lambda: p.catalog.getProduct(1), -32602, "id: expected string, found int")
fault(lambda: p.orders.countOrders("yesterday"), -32602, "since:")
fault(lambda: p.orders.ping(1), -32602, "wrong number of params")

# MultiCall: results in order; a fault raises when its turn comes.
m = x.MultiCall(p)
m.catalog.getProduct("p1")
m.catalog.search("kettle")
m.catalog.getProduct("zz")
m.orders.ping()
m.nope()
r = m()
assert r[0]["name"] == "Teapot" and [k["id"] for k in r[1]] == ["p2"] and r[3] is None
for i, code in [(2, 5), (4, -32601)]:
    try:
        r[i]
        raise SystemExit("no fault")
    except x.Fault as f:
        assert f.faultCode == code, f

# Introspection.
ms = p.system.listMethods()
for name in ["catalog.getProduct", "catalog.createProduct", "catalog.deleteProduct", "catalog.search",
             "catalog.listProducts", "catalog.categories", "orders.placeOrder", "orders.getOrder",
             "orders.countOrders", "orders.ping", "system.multicall"]:
    assert name in ms, (name, ms)
assert p.system.methodSignature("catalog.search") == [
    ["array", "string"], ["array", "string", "i8"], ["array", "string", "i8", "string"]]
assert p.system.methodSignature("orders.placeOrder") == [["struct", "struct", "struct"]]
h = p.system.methodHelp("catalog.getProduct")
assert h.startswith("Fetch one product.") and "throws NotFound" in h, h
print("ok")
"#;

#[test]
fn python_calls_every_shop_method_with_every_type() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    let out = run_python(
        &stdlib_python(),
        PY_SHOP,
        &[&format!("{}/RPC2", s.url())],
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim_end().ends_with("ok"),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The same calls from the generated Rust clients, on a fresh shop (Teapot p1 ×10, Kettle p2 ×3).
async fn exercise(url: &str) {
    let cat = catalog::XmlRpcClient::new(url);
    let ord = orders::XmlRpcClient::new(url);

    ord.ping().await.unwrap();

    let teapot = cat.get_product("p1".into()).await.unwrap();
    assert_eq!((teapot.name.as_str(), teapot.stock), ("Teapot", 10));
    assert_eq!(teapot.price.amount_minor, 2500);
    assert_eq!(teapot.status, ProductStatus::Active);
    assert_eq!(teapot.image, None);
    assert_eq!(
        cat.get_product("nope".into()).await.unwrap_err(),
        catalog::GetProductError::NotFound(NotFound {
            resource: "product".into(),
            id: "nope".into()
        })
    );

    let new = NewProduct {
        name: "Th\u{e9} <pot> & \u{1F375}".into(),
        price: Money {
            amount_minor: 1 << 40,
            currency: "GBP".into(),
        },
        tags: vec!["a".into(), "b <&>".into()],
        attributes: BTreeMap::from([("k <&>".to_string(), "v\n v".to_string())]),
        image: Some((0..=255).collect()),
    };
    let created = cat.create_product(new.clone()).await.unwrap();
    assert_eq!(created.name, new.name);
    assert_eq!(created.price, new.price);
    assert_eq!(created.tags, new.tags);
    assert_eq!(created.attributes, new.attributes);
    assert_eq!(created.image, new.image);
    assert_eq!(cat.get_product(created.id.clone()).await.unwrap(), created);
    assert_eq!(
        cat.create_product(new.clone()).await.unwrap_err(),
        catalog::CreateProductError::AlreadyExists(AlreadyExists {
            id: created.id.clone()
        })
    );
    let negative = NewProduct {
        name: "Neg".into(),
        price: Money {
            amount_minor: -1,
            currency: "EUR".into(),
        },
        ..new.clone()
    };
    assert!(matches!(
        cat.create_product(negative).await.unwrap_err(),
        catalog::CreateProductError::Status(s) if s.kind() == rosetta::ErrorKind::InvalidArgument
    ));
    let invalid = NewProduct {
        name: String::new(),
        ..new.clone()
    };
    match cat.create_product(invalid).await.unwrap_err() {
        catalog::CreateProductError::Status(s) => {
            assert_eq!(s.kind(), ErrorKind::InvalidArgument, "{s}")
        }
        other => panic!("expected a status, got {other:?}"),
    }

    let found = cat.search("tea".into(), None, None).await.unwrap();
    assert_eq!(
        found.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["p1"]
    );
    assert_eq!(
        cat.search(String::new(), Some(1), None)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        cat.search(String::new(), None, Some(ProductStatus::Active))
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        cat.search(String::new(), Some(0), None)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );

    let page = cat
        .list_products(PageRequest {
            size: 2,
            token: None,
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next_token.as_deref(), Some("2"));
    let page = cat
        .list_products(PageRequest {
            size: 2,
            token: page.next_token,
        })
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.next_token), (1, None));

    let cats = cat.categories().await.unwrap();
    assert_eq!(cats.len(), 1);
    assert_eq!(cats[0].children.len(), 2);
    assert_eq!(cats[0].children[0].name, "Teapots");

    let since = Timestamp::from_unix(1_577_836_800, 0).unwrap_or(Timestamp::UNIX_EPOCH);
    let order = Order {
        id: String::new(),
        customer_email: "ann@example.com".into(),
        lines: vec![OrderLine {
            product_id: "p1".into(),
            quantity: 2,
        }],
        total: Money {
            amount_minor: 0,
            currency: "EUR".into(),
        },
        placed_at: since,
    };
    let card = Payment::Card(CardPayment {
        last4: "4242".into(),
    });
    let placed = ord.place_order(order.clone(), card.clone()).await.unwrap();
    assert!(placed.id.starts_with('o'), "{placed:?}");
    assert_eq!(placed.total.amount_minor, 5000);
    assert!(placed.placed_at > since);
    assert_eq!(ord.get_order(placed.id.clone()).await.unwrap(), placed);
    let invoice = Payment::Invoice(InvoicePayment { due_days: 30 });
    let too_many = Order {
        lines: vec![OrderLine {
            product_id: "p1".into(),
            quantity: 999,
        }],
        ..order.clone()
    };
    assert_eq!(
        ord.place_order(too_many, invoice).await.unwrap_err(),
        orders::PlaceOrderError::OutOfStock(OutOfStock {
            product_id: "p1".into(),
            available: 8
        })
    );
    let bad_line = Order {
        lines: vec![OrderLine {
            product_id: "p1".into(),
            quantity: i32::MAX,
        }],
        ..order.clone()
    };
    match ord.place_order(bad_line, card.clone()).await.unwrap_err() {
        orders::PlaceOrderError::Status(s) => {
            assert_eq!(s.kind(), ErrorKind::InvalidArgument, "{s}")
        }
        other => panic!("expected a status, got {other:?}"),
    }
    assert!(matches!(
        ord.get_order("o999".into()).await.unwrap_err(),
        orders::GetOrderError::NotFound(_)
    ));
    assert_eq!(ord.count_orders(since).await.unwrap(), 1);

    cat.delete_product(created.id.clone()).await.unwrap();
    assert!(matches!(
        cat.delete_product(created.id).await.unwrap_err(),
        catalog::DeleteProductError::NotFound(_)
    ));
}

#[tokio::test]
async fn rust_clients_against_the_generated_shop() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    exercise(&s.url()).await;
}

/// A shop in Python's `SimpleXMLRPCServer`, with the shop's method names and fault conventions.
const PY_SHOP_SERVER: &str = r#"
import json, datetime, xmlrpc.client as x
from xmlrpc.server import SimpleXMLRPCServer

def dump_int(self, value, write):
    tag = "int" if -2**31 <= value < 2**31 else "i8"
    write("<value><%s>%d</%s></value>\n" % (tag, value, tag))
x.Marshaller.dispatch[int] = dump_int

def declared(code, name, **fields):
    return x.Fault(code, name + ": " + json.dumps(fields))

def product(pid, name, cents, stock, **more):
    p = {"id": pid, "name": name, "price": {"amount_minor": cents, "currency": "EUR"},
         "tags": ["kitchen"], "attributes": {}, "status": "ACTIVE", "stock": stock,
         "in_stores": False, "units_sold": 0}
    p.update(more)
    return p

products = {"p1": product("p1", "Teapot", 2500, 10), "p2": product("p2", "Kettle", 4999, 3)}
orders = {}
next_id = [2]

def get_product(pid):
    if pid not in products:
        raise declared(5, "NotFound", resource="product", id=pid)
    return products[pid]

def create_product(new):
    if new["price"]["amount_minor"] < 0:
        raise x.Fault(-32602, "invalid params: price.amount_minor: must be at least 0")
    if not 1 <= len(new["name"]) <= 200:
        raise x.Fault(-32602, "invalid params: name: length must be 1 to 200")
    for p in products.values():
        if p["name"] == new["name"]:
            raise declared(6, "AlreadyExists", id=p["id"])
    next_id[0] += 1
    pid = "p%d" % next_id[0]
    p = product(pid, new["name"], 0, 0, price=new["price"], tags=new.get("tags", []),
                attributes=new.get("attributes", {}))
    if new.get("image") is not None:
        p["image"] = new["image"]
    products[pid] = p
    return p

def delete_product(pid):
    if products.pop(pid, None) is None:
        raise declared(5, "NotFound", resource="product", id=pid)

def search(query, limit=None, status=None):
    if limit is not None and not 1 <= limit <= 100:
        raise x.Fault(-32602, "invalid params: limit: must be 1 to 100")
    found = [p for p in products.values() if query.lower() in p["name"].lower()
             and (status is None or p["status"] == status)]
    return found[:10 if limit is None else limit]

def list_products(req):
    start = int(req.get("token") or 0)
    items = list(products.values())[start:start + req["size"]]
    page = {"items": items}
    if start + len(items) < len(products):
        page["next_token"] = str(start + len(items))
    return page

def categories():
    leaf = lambda n: {"name": n, "children": []}
    return [{"name": "Kitchen", "children": [leaf("Teapots"), leaf("Kettles")]}]

def place_order(order, payment):
    total = 0
    for line in order["lines"]:
        if not 1 <= line["quantity"] <= 1000:
            raise x.Fault(-32602, "invalid params: order.lines[0].quantity: must be 1 to 1000")
        p = products.get(line["product_id"])
        if p is None:
            raise declared(5, "NotFound", resource="product", id=line["product_id"])
        if p["stock"] < line["quantity"]:
            raise declared(4001, "OutOfStock", product_id=p["id"], available=p["stock"])
        total += p["price"]["amount_minor"] * line["quantity"]
    for line in order["lines"]:
        products[line["product_id"]]["stock"] -= line["quantity"]
    next_id[0] += 1
    placed = dict(order, id="o%d" % next_id[0], total={"amount_minor": total, "currency": "EUR"},
                  placed_at=datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0))
    orders[placed["id"]] = placed
    return placed

def get_order(oid):
    if oid not in orders:
        raise declared(5, "NotFound", resource="order", id=oid)
    return orders[oid]

srv = SimpleXMLRPCServer(("127.0.0.1", 0), allow_none=True, logRequests=False, use_builtin_types=True)
for name, fn in [("catalog.getProduct", get_product), ("catalog.createProduct", create_product),
                 ("catalog.deleteProduct", delete_product), ("catalog.search", search),
                 ("catalog.listProducts", list_products), ("catalog.categories", categories),
                 ("orders.placeOrder", place_order), ("orders.getOrder", get_order),
                 ("orders.countOrders", lambda since: sum(1 for o in orders.values() if o["placed_at"] >= since)),
                 ("orders.ping", lambda: None)]:
    srv.register_function(fn, name)
srv.register_multicall_functions()
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;

#[tokio::test]
async fn rust_clients_against_a_python_shop() {
    let py = PythonServer::start(PY_SHOP_SERVER);
    exercise(&format!("http://127.0.0.1:{}/RPC2", py.port)).await;
}
