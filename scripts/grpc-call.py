#!/usr/bin/env python3
"""Calls a gRPC method knowing nothing but its name: the schema comes from server reflection.

    python scripts/grpc-call.py HOST:PORT Service/Method '{"json": "request"}'

Prints the response as JSON. Needs grpcio, grpcio-reflection and protobuf (the venv that
scripts/setup-tier2.sh builds has them: ~/.cache/rosetta/venv/bin/python).
"""
import json
import sys

import grpc
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    target, path = sys.argv[1], sys.argv[2]
    body = sys.argv[3] if len(sys.argv) == 4 else "{}"
    service_name, _, method_name = path.rpartition("/")
    channel = grpc.insecure_channel(target)
    pool = DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    method = pool.FindServiceByName(service_name).FindMethodByName(method_name)
    request_type = message_factory.GetMessageClass(method.input_type)
    response_type = message_factory.GetMessageClass(method.output_type)
    call = channel.unary_unary(
        f"/{service_name}/{method_name}",
        request_serializer=request_type.SerializeToString,
        response_deserializer=response_type.FromString,
    )
    request = json_format.Parse(body, request_type())
    try:
        response = call(request, timeout=10)
    except grpc.RpcError as e:
        print(f"{e.code().name}: {e.details()}", file=sys.stderr)
        return 1
    print(json.dumps(json_format.MessageToDict(response)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
