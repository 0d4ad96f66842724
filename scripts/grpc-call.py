#!/usr/bin/env python3
"""Calls a gRPC method knowing nothing but its name: the schema comes from server reflection.

    python scripts/grpc-call.py [-H 'authorization: Bearer secret'] HOST:PORT Service/Method '{"json": "request"}'

Prints the response as JSON and exits 0; any non-OK status (of the call, or of the reflection
calls that find its schema) is printed as one line `CODE: details` on stderr, exit 1. `-H` adds a
header (gRPC metadata) to every call, reflection included; repeat it for more. Needs grpcio,
grpcio-reflection and protobuf: `bash scripts/setup-tier2.sh` builds a virtualenv with them
(~/.cache/rosetta/venv/bin/python).
"""
import argparse
import collections
import json
import sys

import grpc
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    """The details of one call, with the extra headers added."""


class _AddHeaders(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds the `-H` headers to every call on the channel (reflection is a stream-stream call)."""

    def __init__(self, headers):
        self._headers = headers

    def _details(self, details):
        metadata = list(details.metadata or []) + self._headers
        return _CallDetails(
            details.method,
            details.timeout,
            metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, requests):
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):
        return continuation(self._details(details), requests)


def parse_header(text):
    """`Name: value` -> ("name", "value"); gRPC metadata keys are lowercase."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {text!r}")
    return (name.strip().lower(), value.strip())


def fail(code, details):
    print(f"{code}: {details}", file=sys.stderr)
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Call a gRPC method by name, using server reflection for the schema."
    )
    parser.add_argument("target", help="HOST:PORT")
    parser.add_argument("method", help="Service/Method, e.g. Greeter/SayHello")
    parser.add_argument("body", nargs="?", default="{}", help="the request as JSON")
    parser.add_argument(
        "-H",
        "--header",
        action="append",
        type=parse_header,
        default=[],
        help="a header for every call, e.g. 'authorization: Bearer secret' (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per call")
    args = parser.parse_args()

    service_name, _, method_name = args.method.rpartition("/")
    if not service_name:
        parser.error("the method must be Service/Method")
    channel = grpc.intercept_channel(
        grpc.insecure_channel(args.target), _AddHeaders(args.header)
    )
    try:
        database = ProtoReflectionDescriptorDatabase(channel)
        try:
            # Asked directly (not through the pool) so that a refused reflection call arrives
            # here as the RpcError it is, with its status.
            database.FindFileContainingSymbol(service_name)
        except KeyError:
            return fail("NOT_FOUND", f"the server's reflection does not know `{service_name}`")
        pool = DescriptorPool(database)
        service = pool.FindServiceByName(service_name)
        method = service.methods_by_name.get(method_name)
        if method is None:
            return fail("NOT_FOUND", f"`{service_name}` has no method `{method_name}`")
        request_type = message_factory.GetMessageClass(method.input_type)
        response_type = message_factory.GetMessageClass(method.output_type)
        try:
            request = json_format.Parse(args.body, request_type())
        except json_format.ParseError as e:
            return fail("INVALID_ARGUMENT", f"the request does not fit {method.input_type.full_name}: {e}")
        call = channel.unary_unary(
            f"/{service_name}/{method_name}",
            request_serializer=request_type.SerializeToString,
            response_deserializer=response_type.FromString,
        )
        response = call(request, timeout=args.timeout)
    except grpc.RpcError as e:
        return fail(e.code().name, e.details())
    print(json.dumps(json_format.MessageToDict(response)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
