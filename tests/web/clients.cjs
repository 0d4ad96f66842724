// Calls a Rosetta server with the Connect project's own Node clients: @connectrpc/connect-node's
// Connect transport (JSON and binary, HTTP/1.1 and HTTP/2), gRPC-Web transport and gRPC transport.
// Message and service types come from the server's FileDescriptorSet through @bufbuild/protobuf's
// registry (no generated code). Prints one JSON line per transport with what came back, and one
// line comparing the server's Connect JSON with @bufbuild/protobuf's own JSON for the same message.
//
//   NODE_PATH=<cache>/node/node_modules node clients.cjs http://127.0.0.1:PORT descriptor-set.bin
"use strict";
const { fromBinary, toBinary, toJson, fromJson, create } = require("@bufbuild/protobuf");
const { createClient, ConnectError, Code } = require("@connectrpc/connect");
const {
  createConnectTransport,
  createGrpcWebTransport,
  createGrpcTransport,
} = require("@connectrpc/connect-node");

const [url, fdsPath] = process.argv.slice(2);
const registry = require("./registry.cjs").load(fdsPath);
const service = (name) => {
  const s = registry.getService(name);
  if (!s) throw new Error(`no service ${name} in the descriptor set`);
  return s;
};
const message = (name) => {
  const m = registry.getMessage(name);
  if (!m) throw new Error(`no message ${name} in the descriptor set`);
  return m;
};
const Product = message("shop.v1.Product");
const NotFound = message("shop.common.NotFound");
const BadRequest = message("google.rpc.BadRequest");

const transports = {
  "connect-json": createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: false }),
  "connect-proto": createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: true }),
  "connect-json-h2": createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: false }),
  "grpc-web": createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }),
  "grpc-web-h2": createGrpcWebTransport({ baseUrl: url, httpVersion: "2" }),
  grpc: createGrpcTransport({ baseUrl: url }),
};

/// A typed error as plain data: code name, message, and the details the client could decode.
function errorSummary(e) {
  const err = ConnectError.from(e);
  const notFound = err.findDetails(NotFound).map((d) => toJson(NotFound, d));
  const badRequest = err.findDetails(BadRequest).map((d) => toJson(BadRequest, d));
  return { code: Code[err.code], message: err.rawMessage, notFound, badRequest };
}

async function run(name, transport) {
  const greeter = createClient(service("Greeter"), transport);
  const catalog = createClient(service("shop.v1.Catalog"), transport);
  const orders = createClient(service("shop.v1.Orders"), transport);
  const out = { transport: name };
  out.hello = (await greeter.sayHello({ name: name })).message;
  const product = await catalog.getProduct({ id: "p1" });
  out.product = toJson(Product, product);
  out.page = (await catalog.listProducts({ size: 10 })).items.map((p) => p.id);
  await orders.ping({});
  out.ping = "ok";
  try {
    await catalog.getProduct({ id: "nope" });
    out.missing = "no error";
  } catch (e) {
    out.missing = errorSummary(e);
  }
  try {
    await catalog.createProduct({ name: "", price: { amountMinor: 1n, currency: "eur" } });
    out.invalid = "no error";
  } catch (e) {
    out.invalid = errorSummary(e);
  }
  return out;
}

/// The server's Connect JSON for GetProduct, compared with @bufbuild/protobuf's JSON of the
/// binary answer, both ways: the server's text parses to the same message, and
/// @bufbuild/protobuf's JSON of it is the server's JSON.
async function jsonBothWays() {
  const post = (ct, body) =>
    fetch(`${url}/shop.v1.Catalog/GetProduct`, {
      method: "POST",
      headers: { "content-type": ct, "connect-protocol-version": "1" },
      body,
    });
  const Req = message("shop.v1.GetProductRequest");
  const json = await (await post("application/json", JSON.stringify({ id: "p1" }))).json();
  const bin = new Uint8Array(await (await post("application/proto", toBinary(Req, create(Req, { id: "p1" })))).arrayBuffer());
  const fromServerBinary = toJson(Product, fromBinary(Product, bin));
  const reparsed = toBinary(Product, fromJson(Product, json));
  return {
    transport: "json-both-ways",
    serverJson: json,
    protobufEsJson: fromServerBinary,
    sameBytes: Buffer.compare(Buffer.from(reparsed), Buffer.from(bin)) === 0,
  };
}

(async () => {
  for (const [name, t] of Object.entries(transports)) {
    try {
      console.log(JSON.stringify(await run(name, t)));
    } catch (e) {
      console.log(JSON.stringify({ transport: name, failed: String(e && e.stack ? e.stack : e) }));
    }
  }
  console.log(JSON.stringify(await jsonBothWays()));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
