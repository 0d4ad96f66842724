// The message and service types of a Rosetta server for the Node clients: the server's
// FileDescriptorSet (what reflection serves) plus google.rpc.BadRequest, in which constraint
// violations travel and which is in no .proto the server emits.
"use strict";
const { readFileSync } = require("node:fs");
const { fromBinary, create, createFileRegistry } = require("@bufbuild/protobuf");
const { FileDescriptorSetSchema, FileDescriptorProtoSchema } = require("@bufbuild/protobuf/wkt");

/// The registry of the descriptor set at `fdsPath`, google.rpc.BadRequest added.
function load(fdsPath) {
  const set = fromBinary(FileDescriptorSetSchema, readFileSync(fdsPath));
  // google.rpc.BadRequest (constraint violations) is not in the server's .proto files: it is
  // described here, field for field as in google/rpc/error_details.proto.
  const string = (name, number) => ({ name, number, label: 1, type: 9, jsonName: name });
  set.file.push(
    create(FileDescriptorProtoSchema, {
      name: "google/rpc/error_details.proto",
      package: "google.rpc",
      syntax: "proto3",
      messageType: [
        {
          name: "BadRequest",
          field: [
            {
              name: "field_violations",
              number: 1,
              label: 3, // repeated
              type: 11, // message
              typeName: ".google.rpc.BadRequest.FieldViolation",
              jsonName: "fieldViolations",
            },
          ],
          nestedType: [
            {
              name: "FieldViolation",
              field: [string("field", 1), string("description", 2), string("reason", 3)],
            },
          ],
        },
      ],
    }),
  );
  return createFileRegistry(set);
}

module.exports = { load };
