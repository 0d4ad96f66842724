// Reads a server stream of Rosetta's gRPC interop service with @grpc/grpc-js, the Node gRPC
// library, its stub loaded by @grpc/proto-loader from the .proto Rosetta emits. Prints one JSON
// line: the payload sizes received in order, the echoed initial and trailing metadata, the final
// status; then one line for a stream the server ends with an echoed status.
//
//   NODE_PATH=<cache>/node/node_modules node grpc-js.cjs 127.0.0.1:PORT PROTO_DIR
"use strict";
const path = require("path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const [address, protoDir] = process.argv.slice(2);
const definition = protoLoader.loadSync(path.join(protoDir, "grpc_testing.proto"), {
  keepCase: true,
  defaults: true,
});
const testing = grpc.loadPackageDefinition(definition).grpc.testing;
const client = new testing.TestService(address, grpc.credentials.createInsecure());

function stream(request, metadata) {
  return new Promise((resolve) => {
    const out = { sizes: [], initial: null, trailing: null, code: null, details: null };
    const call = client.StreamingOutputCall(request, metadata, {
      deadline: Date.now() + 10000,
    });
    call.on("metadata", (m) => {
      out.initial = m.get("x-grpc-test-echo-initial");
    });
    call.on("data", (reply) => out.sizes.push(reply.payload.body.length));
    call.on("error", (e) => {
      out.code = e.code;
      out.details = e.details;
    });
    call.on("status", (s) => {
      out.code = s.code;
      if (out.details === null) out.details = s.details;
      out.trailing = s.metadata
        .get("x-grpc-test-echo-trailing-bin")
        .map((b) => Buffer.from(b).toString("hex"));
      resolve(out);
    });
  });
}

(async () => {
  const metadata = new grpc.Metadata();
  metadata.set("x-grpc-test-echo-initial", "from node");
  metadata.set("x-grpc-test-echo-trailing-bin", Buffer.from([0xca, 0xfe]));
  const sizes = [31415, 9, 2653, 58979];
  const ok = await stream(
    { response_parameters: sizes.map((size) => ({ size })) },
    metadata,
  );
  console.log(JSON.stringify(ok));
  const failed = await stream(
    { response_status: { code: 9, message: "stop here" } },
    new grpc.Metadata(),
  );
  console.log(JSON.stringify(failed));
  client.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
