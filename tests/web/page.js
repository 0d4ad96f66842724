// The browser page of tests/tests/web_browser.rs: served from its own origin, it calls the seed
// server (another origin) over Connect (JSON and binary, and GET) and gRPC-Web with
// @connectrpc/connect-web, and over REST with fetch, then shows every answer in #results as
// JSON, where the test reads it. Bundled for the browser by esbuild (tests/web/browser.cjs).
import { createClient, ConnectError, Code } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { fromBinary, createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

async function attempt(f) {
  try {
    return await f();
  } catch (e) {
    const err = ConnectError.from(e);
    return { code: Code[err.code], message: err.rawMessage };
  }
}

async function main() {
  const server = new URLSearchParams(location.search).get("server");
  // The seed's descriptor set, served by the page's own origin.
  const fds = new Uint8Array(await (await fetch("/fds.bin")).arrayBuffer());
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, fds));
  const Greeter = registry.getService("Greeter");
  const Calculator = registry.getService("Calculator");
  const transports = {
    connectJson: createConnectTransport({ baseUrl: server }),
    connectBinary: createConnectTransport({ baseUrl: server, useBinaryFormat: true }),
    grpcWeb: createGrpcWebTransport({ baseUrl: server }),
  };
  const results = { origin: location.origin };
  for (const [name, transport] of Object.entries(transports)) {
    const greeter = createClient(Greeter, transport);
    const calculator = createClient(Calculator, transport);
    results[name] = {
      hello: await attempt(async () => (await greeter.sayHello({ name })).message),
      sum: await attempt(async () => (await calculator.add({ a: 2, b: 3 })).result),
      outOfRange: await attempt(async () => (await calculator.add({ a: 2000000000, b: 1 })).result),
    };
  }
  // Connect's unary GET: DataService.GetData is bound to @http(GET), so it has no side effects.
  const DataService = registry.getService("DataService");
  const methods = [];
  const recordingFetch = (input, init) => {
    methods.push((init && init.method) || "GET");
    return globalThis.fetch(input, init);
  };
  const viaGet = createClient(
    DataService,
    createConnectTransport({ baseUrl: server, useHttpGet: true, fetch: recordingFetch }),
  );
  results.connectGet = await attempt(async () => (await viaGet.getData({})).message);
  results.connectGetMethods = methods;
  results.rest = await attempt(async () => {
    const r = await fetch(`${server}/data`);
    return { status: r.status, body: await r.json() };
  });
  document.getElementById("results").textContent = JSON.stringify(results);
}

main().catch((e) => {
  document.getElementById("results").textContent = JSON.stringify({ failed: String(e) });
});
