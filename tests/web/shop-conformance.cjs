// The cross-protocol conformance script of tests/tests/conformance.rs (every shop rpc, successes
// and each failure kind, in the same order) run by @connectrpc/connect-node over one transport
// against a fresh shop. Prints one JSON line: the outcome of each step, an answer as
// @bufbuild/protobuf's JSON, an error as its Connect code and every detail decoded with the
// server's descriptor set (`placedAt` replaced: the one value that differs per server).
//
//   NODE_PATH=<cache>/node/node_modules node shop-conformance.cjs TRANSPORT URL descriptor-set.bin
//   TRANSPORT: connect-json | connect-proto | grpc-web | grpc
"use strict";
const { fromBinary, toJson } = require("@bufbuild/protobuf");
const { createClient, ConnectError, Code } = require("@connectrpc/connect");
const {
  createConnectTransport,
  createGrpcWebTransport,
  createGrpcTransport,
} = require("@connectrpc/connect-node");

const [transportName, url, fdsPath] = process.argv.slice(2);
const registry = require("./registry.cjs").load(fdsPath);
const transport = {
  "connect-json": () => createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
  "connect-proto": () =>
    createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: true }),
  "grpc-web": () => createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }),
  grpc: () => createGrpcTransport({ baseUrl: url }),
}[transportName]();
const catalogDesc = registry.getService("shop.v1.Catalog");
const ordersDesc = registry.getService("shop.v1.Orders");
const c = createClient(catalogDesc, transport);
const o = createClient(ordersDesc, transport);

const newProduct = (name, cents) => ({
  name,
  price: { amountMinor: BigInt(cents), currency: "EUR" },
  tags: ["mug", "ceramic €"],
  attributes: { colour: '<blue> & "white"' },
  image: new Uint8Array([0, 1, 2, 255]),
});
const order = (product, quantity, email) => ({
  customerEmail: email,
  lines: [{ productId: product, quantity }],
  total: { amountMinor: 0n, currency: "EUR" },
  placedAt: { seconds: 0n, nanos: 0 },
});
const card = { payment: { case: "card", value: { last4: "4242" } } };
const invoice = { payment: { case: "invoice", value: { dueDays: 30 } } };

/// Replaces every `placedAt` value.
function normalize(v) {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === "placedAt" ? "<time>" : normalize(x);
    return out;
  }
  return v;
}

async function outcome(method, call) {
  try {
    const answer = await call();
    return { ok: normalize(toJson(method.output, answer)) };
  } catch (e) {
    const err = ConnectError.from(e);
    const details = err.details.map((d) => {
      const desc = registry.getMessage(d.type);
      return desc ? { [d.type]: toJson(desc, fromBinary(desc, d.value)) } : { [d.type]: "unknown type" };
    });
    return { code: Code[err.code], details };
  }
}

const m = (service, name) => service.methods.find((x) => x.localName === name);
const C = (name) => m(catalogDesc, name);
const O = (name) => m(ordersDesc, name);

(async () => {
  const steps = [
    ["get_product ok", C("getProduct"), () => c.getProduct({ id: "p1" })],
    ["get_product not found", C("getProduct"), () => c.getProduct({ id: "nope" })],
    ["create_product ok", C("createProduct"), () => c.createProduct(newProduct("Mug", 1250))],
    ["create_product exists", C("createProduct"), () => c.createProduct(newProduct("Mug", 1250))],
    ["create_product invalid", C("createProduct"), () => c.createProduct(newProduct("Cup", -5))],
    ["create_product violates @length", C("createProduct"), () => c.createProduct(newProduct("", 5))],
    ["search", C("search"), () => c.search({ query: "t", limit: 5 })],
    ["search violates @range", C("search"), () => c.search({ query: "t", limit: 0 })],
    ["list_products page 1", C("listProducts"), () => c.listProducts({ size: 1 })],
    ["list_products page 2", C("listProducts"), () => c.listProducts({ size: 1, token: "1" })],
    ["list_products bad token", C("listProducts"), () => c.listProducts({ size: 1, token: "x" })],
    ["categories", C("categories"), () => c.categories({})],
    ["place_order ok", O("placeOrder"), () => o.placeOrder({ order: order("p1", 2, "a@b.c"), payment: card })],
    ["place_order out of stock", O("placeOrder"), () => o.placeOrder({ order: order("p2", 99, "a@b.c"), payment: card })],
    ["place_order unknown product", O("placeOrder"), () => o.placeOrder({ order: order("p404", 1, "a@b.c"), payment: card })],
    ["place_order violates @pattern", O("placeOrder"), () => o.placeOrder({ order: order("p1", 1, "not-an-email"), payment: invoice })],
    ["get_order ok", O("getOrder"), () => o.getOrder({ id: "o4" })],
    ["get_order not found", O("getOrder"), () => o.getOrder({ id: "o9" })],
    ["count_orders", O("countOrders"), () => o.countOrders({ since: { seconds: 0n, nanos: 0 } })],
    ["ping", O("ping"), () => o.ping({})],
    ["delete_product ok", C("deleteProduct"), () => c.deleteProduct({ id: "p3" })],
    ["delete_product again", C("deleteProduct"), () => c.deleteProduct({ id: "p3" })],
    ["get_product after delete", C("getProduct"), () => c.getProduct({ id: "p1" })],
  ];
  const results = [];
  for (const [name, method, call] of steps) {
    if (!method) throw new Error(`no method for ${name}`);
    results.push([name, await outcome(method, call)]);
  }
  console.log(JSON.stringify({ transport: transportName, results }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
