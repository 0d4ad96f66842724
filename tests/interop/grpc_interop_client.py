"""A gRPC interop test client, written for Rosetta from gRPC's public interop test descriptions
(doc/interop-test-descriptions.md in grpc/grpc), on Python grpcio.

    grpc_interop_client.py --server_port=PORT --proto_dir=DIR [--test_case=NAME[,NAME...]]

DIR holds the `grpc_testing.proto` Rosetta emits from `idl-examples/grpc_testing.idl`; the stubs
are generated from it with grpc_tools.protoc. Before any case runs, the client checks that the
emitted messages are wire-compatible with gRPC's published messages.proto and empty.proto (the
same message names, field numbers and field types; `EXPECTED_FIELDS` below is transcribed from
them). Every case asserts what its description says a client asserts; each prints `PASS name`,
and the script exits non-zero at the first failure.

What grpcio cannot observe is said where it matters: Python has no access to a received message's
compressed flag (the descriptions allow that: "some languages may not have access to the message
flags"), and it cannot switch compression off for one message of a stream.
"""

import argparse
import os
import queue
import sys
import threading
import time

import grpc
import grpc_tools
from grpc_tools import protoc

# (message, field) -> (number, protobuf FieldDescriptor type, label) from gRPC's messages.proto.
# Types: 8 bool, 5 int32, 12 bytes, 9 string, 11 message, 14 enum. Labels: 1 optional, 3 repeated.
EXPECTED_FIELDS = {
    ('BoolValue', 'value'): (1, 8, 1),
    ('Payload', 'type'): (1, 14, 1),
    ('Payload', 'body'): (2, 12, 1),
    ('EchoStatus', 'code'): (1, 5, 1),
    ('EchoStatus', 'message'): (2, 9, 1),
    ('SimpleRequest', 'response_type'): (1, 14, 1),
    ('SimpleRequest', 'response_size'): (2, 5, 1),
    ('SimpleRequest', 'payload'): (3, 11, 1),
    ('SimpleRequest', 'fill_username'): (4, 8, 1),
    ('SimpleRequest', 'fill_oauth_scope'): (5, 8, 1),
    ('SimpleRequest', 'response_compressed'): (6, 11, 1),
    ('SimpleRequest', 'response_status'): (7, 11, 1),
    ('SimpleRequest', 'expect_compressed'): (8, 11, 1),
    ('SimpleResponse', 'payload'): (1, 11, 1),
    ('SimpleResponse', 'username'): (2, 9, 1),
    ('SimpleResponse', 'oauth_scope'): (3, 9, 1),
    ('StreamingInputCallRequest', 'payload'): (1, 11, 1),
    ('StreamingInputCallRequest', 'expect_compressed'): (2, 11, 1),
    ('StreamingInputCallResponse', 'aggregated_payload_size'): (1, 5, 1),
    ('ResponseParameters', 'size'): (1, 5, 1),
    ('ResponseParameters', 'interval_us'): (2, 5, 1),
    ('ResponseParameters', 'compressed'): (3, 11, 1),
    ('StreamingOutputCallRequest', 'response_type'): (1, 14, 1),
    ('StreamingOutputCallRequest', 'response_parameters'): (2, 11, 3),
    ('StreamingOutputCallRequest', 'payload'): (3, 11, 1),
    ('StreamingOutputCallRequest', 'response_status'): (7, 11, 1),
    ('StreamingOutputCallResponse', 'payload'): (1, 11, 1),
}
# The message-typed fields' types, and the service's methods (name -> client/server streaming).
EXPECTED_MESSAGE_TYPES = {
    ('Payload', 'type'): 'grpc.testing.PayloadType',
    ('SimpleRequest', 'payload'): 'grpc.testing.Payload',
    ('SimpleRequest', 'response_compressed'): 'grpc.testing.BoolValue',
    ('SimpleRequest', 'response_status'): 'grpc.testing.EchoStatus',
    ('SimpleRequest', 'expect_compressed'): 'grpc.testing.BoolValue',
    ('StreamingOutputCallRequest', 'response_parameters'): 'grpc.testing.ResponseParameters',
}
EXPECTED_METHODS = {
    'EmptyCall': ('Empty', 'Empty', False, False),
    'UnaryCall': ('SimpleRequest', 'SimpleResponse', False, False),
    'StreamingOutputCall': ('StreamingOutputCallRequest', 'StreamingOutputCallResponse', False, True),
    'StreamingInputCall': ('StreamingInputCallRequest', 'StreamingInputCallResponse', True, False),
    'FullDuplexCall': ('StreamingOutputCallRequest', 'StreamingOutputCallResponse', True, True),
    'HalfDuplexCall': ('StreamingOutputCallRequest', 'StreamingOutputCallResponse', True, True),
}

SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n'
TIMEOUT = 10


def load_stubs(proto_dir):
    include = os.path.join(os.path.dirname(grpc_tools.__file__), '_proto')
    rc = protoc.main(['protoc', '-I' + proto_dir, '-I' + include, '--python_out=' + proto_dir,
                      '--grpc_python_out=' + proto_dir, 'grpc_testing.proto'])
    assert rc == 0, 'grpc_tools.protoc failed'
    sys.path.insert(0, proto_dir)
    import grpc_testing_pb2
    import grpc_testing_pb2_grpc
    return grpc_testing_pb2, grpc_testing_pb2_grpc


def check_wire_compatibility(m):
    """The emitted messages against the published ones: names, numbers, types, labels."""
    file = m.DESCRIPTOR
    assert file.package == 'grpc.testing', file.package
    for (message, field), (number, ftype, label) in EXPECTED_FIELDS.items():
        f = file.message_types_by_name[message].fields_by_name[field]
        got = (f.number, f.type, f.label)
        assert got == (number, ftype, label), (message, field, got, (number, ftype, label))
    for (message, field), full in EXPECTED_MESSAGE_TYPES.items():
        f = file.message_types_by_name[message].fields_by_name[field]
        target = f.enum_type if f.type == 14 else f.message_type
        assert target.full_name == full, (message, field, target.full_name)
    assert not file.message_types_by_name['Empty'].fields, 'Empty has fields'
    assert file.enum_types_by_name['PayloadType'].values[0].number == 0
    service = file.services_by_name['TestService']
    for name, (inp, out, cs, ss) in EXPECTED_METHODS.items():
        method = service.methods_by_name[name]
        assert method.input_type.full_name == 'grpc.testing.' + inp, name
        assert method.output_type.full_name == 'grpc.testing.' + out, name
        assert (method.client_streaming, method.server_streaming) == (cs, ss), name


class Requests:
    """A request stream the test feeds one message at a time; `close()` half-closes it."""
    _END = object()

    def __init__(self):
        self._queue = queue.Queue()

    def send(self, message):
        self._queue.put(message)

    def close(self):
        self._queue.put(self._END)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get()
        if item is self._END:
            raise StopIteration
        return item


def fails(code, call, *args, **kwargs):
    """Runs `call`, expecting an RpcError with `code`; returns the error."""
    try:
        result = call(*args, **kwargs)
        if hasattr(result, '__iter__') and not isinstance(result, (bytes, str)):
            list(result)
    except grpc.RpcError as e:
        assert e.code() == code, (e.code(), e.details())
        return e
    raise AssertionError('expected %s' % code)


def zeros(m, n):
    return m.Payload(body=b'\0' * n)


class Cases:
    def __init__(self, channel, m, g):
        self.channel, self.m, self.stub = channel, m, g.TestServiceStub(channel)

    def empty_unary(self):
        reply = self.stub.EmptyCall(self.m.Empty(), timeout=TIMEOUT)
        assert reply is not None and reply == self.m.Empty()

    def large_unary(self):
        m = self.m
        reply = self.stub.UnaryCall(
            m.SimpleRequest(response_size=314159, payload=zeros(m, 271828)), timeout=TIMEOUT)
        assert reply.payload.body == b'\0' * 314159, len(reply.payload.body)

    def client_compressed_unary(self):
        m = self.m
        request = lambda expect: m.SimpleRequest(
            expect_compressed=m.BoolValue(value=expect), response_size=314159,
            payload=zeros(m, 271828))
        # The feature probe: uncompressed, though it says it is compressed.
        fails(grpc.StatusCode.INVALID_ARGUMENT, self.stub.UnaryCall, request(True),
              compression=grpc.Compression.NoCompression, timeout=TIMEOUT)
        for expect, compression in ((True, grpc.Compression.Gzip),
                                    (False, grpc.Compression.NoCompression)):
            reply = self.stub.UnaryCall(request(expect), compression=compression,
                                        timeout=TIMEOUT)
            assert reply.payload.body == b'\0' * 314159, len(reply.payload.body)

    def server_compressed_unary(self):
        m = self.m
        for compressed in (True, False):
            reply = self.stub.UnaryCall(
                m.SimpleRequest(response_compressed=m.BoolValue(value=compressed),
                                response_size=314159, payload=zeros(m, 271828)),
                timeout=TIMEOUT)
            # grpcio does not expose the received message's compressed flag.
            assert reply.payload.body == b'\0' * 314159, len(reply.payload.body)

    def client_streaming(self):
        m = self.m
        sizes = [27182, 8, 1828, 45904]
        reply = self.stub.StreamingInputCall(
            iter([m.StreamingInputCallRequest(payload=zeros(m, n)) for n in sizes]),
            timeout=TIMEOUT)
        assert reply.aggregated_payload_size == 74922, reply

    def client_compressed_streaming(self):
        m = self.m
        probe = m.StreamingInputCallRequest(expect_compressed=m.BoolValue(value=True),
                                            payload=zeros(m, 27182))
        fails(grpc.StatusCode.INVALID_ARGUMENT, self.stub.StreamingInputCall, iter([probe]),
              compression=grpc.Compression.NoCompression, timeout=TIMEOUT)
        # grpcio compresses every message of a call or none: the second message, which the
        # description sends uncompressed, goes compressed (it only says it need not be).
        reply = self.stub.StreamingInputCall(iter([
            probe,
            m.StreamingInputCallRequest(expect_compressed=m.BoolValue(value=False),
                                        payload=zeros(m, 45904)),
        ]), compression=grpc.Compression.Gzip, timeout=TIMEOUT)
        assert reply.aggregated_payload_size == 73086, reply

    def server_streaming(self):
        m = self.m
        sizes = [31415, 9, 2653, 58979]
        replies = list(self.stub.StreamingOutputCall(
            m.StreamingOutputCallRequest(
                response_parameters=[m.ResponseParameters(size=n) for n in sizes]),
            timeout=TIMEOUT))
        assert [len(r.payload.body) for r in replies] == sizes
        assert all(r.payload.body == b'\0' * len(r.payload.body) for r in replies)

    def server_compressed_streaming(self):
        m = self.m
        replies = list(self.stub.StreamingOutputCall(
            m.StreamingOutputCallRequest(response_parameters=[
                m.ResponseParameters(compressed=m.BoolValue(value=True), size=31415),
                m.ResponseParameters(compressed=m.BoolValue(value=False), size=92653),
            ]), timeout=TIMEOUT))
        # grpcio does not expose the received messages' compressed flags.
        assert [len(r.payload.body) for r in replies] == [31415, 92653]

    def ping_pong(self):
        m = self.m
        requests = Requests()
        call = self.stub.FullDuplexCall(requests, timeout=TIMEOUT)
        try:
            for size, body in ((31415, 27182), (9, 8), (2653, 1828), (58979, 45904)):
                requests.send(m.StreamingOutputCallRequest(
                    response_parameters=[m.ResponseParameters(size=size)],
                    payload=zeros(m, body)))
                reply = next(call)
                assert len(reply.payload.body) == size, (size, len(reply.payload.body))
        finally:
            requests.close()
        assert list(call) == [], 'more than four responses'
        assert call.code() == grpc.StatusCode.OK, call.code()

    def empty_stream(self):
        call = self.stub.FullDuplexCall(iter([]), timeout=TIMEOUT)
        assert list(call) == []
        assert call.code() == grpc.StatusCode.OK, call.code()

    def custom_metadata(self):
        m = self.m
        metadata = [('x-grpc-test-echo-initial', 'test_initial_metadata_value'),
                    ('x-grpc-test-echo-trailing-bin', b'\xab\xab\xab')]

        def check(initial, trailing):
            initial, trailing = dict(initial), dict(trailing)
            assert initial.get('x-grpc-test-echo-initial') == 'test_initial_metadata_value', initial
            assert trailing.get('x-grpc-test-echo-trailing-bin') == b'\xab\xab\xab', trailing

        reply, call = self.stub.UnaryCall.with_call(
            m.SimpleRequest(response_size=314159, payload=zeros(m, 271828)),
            metadata=metadata, timeout=TIMEOUT)
        assert len(reply.payload.body) == 314159
        check(call.initial_metadata(), call.trailing_metadata())

        call = self.stub.FullDuplexCall(iter([m.StreamingOutputCallRequest(
            response_parameters=[m.ResponseParameters(size=314159)],
            payload=zeros(m, 271828))]), metadata=metadata, timeout=TIMEOUT)
        assert [len(r.payload.body) for r in call] == [314159]
        check(call.initial_metadata(), call.trailing_metadata())

    def _echo_status(self, message):
        m = self.m
        status = m.EchoStatus(code=2, message=message)
        e = fails(grpc.StatusCode.UNKNOWN, self.stub.UnaryCall,
                  m.SimpleRequest(response_status=status), timeout=TIMEOUT)
        assert e.details() == message, repr(e.details())
        return e

    def status_code_and_message(self):
        m = self.m
        self._echo_status('test status message')
        e = fails(grpc.StatusCode.UNKNOWN, self.stub.FullDuplexCall, iter([
            m.StreamingOutputCallRequest(
                response_status=m.EchoStatus(code=2, message='test status message'))]),
            timeout=TIMEOUT)
        assert e.details() == 'test status message', repr(e.details())

    def special_status_message(self):
        self._echo_status(SPECIAL_MESSAGE)

    def unimplemented_method(self):
        call = self.channel.unary_unary(
            '/grpc.testing.TestService/UnimplementedCall',
            request_serializer=self.m.Empty.SerializeToString,
            response_deserializer=self.m.Empty.FromString)
        fails(grpc.StatusCode.UNIMPLEMENTED, call, self.m.Empty(), timeout=TIMEOUT)

    def unimplemented_service(self):
        # A service this server does not have (gRPC's test.proto declares it; the IDL does not).
        call = self.channel.unary_unary(
            '/grpc.testing.UnimplementedService/UnimplementedCall',
            request_serializer=self.m.Empty.SerializeToString,
            response_deserializer=self.m.Empty.FromString)
        fails(grpc.StatusCode.UNIMPLEMENTED, call, self.m.Empty(), timeout=TIMEOUT)

    def cancel_after_begin(self):
        requests = Requests()  # never sends a message
        future = self.stub.StreamingInputCall.future(requests, timeout=TIMEOUT)
        try:
            assert future.cancel(), 'the call had already finished'
            assert future.cancelled()
            assert future.code() == grpc.StatusCode.CANCELLED, future.code()
        finally:
            requests.close()

    def cancel_after_first_response(self):
        m = self.m
        requests = Requests()
        call = self.stub.FullDuplexCall(requests, timeout=TIMEOUT)
        try:
            requests.send(m.StreamingOutputCallRequest(
                response_parameters=[m.ResponseParameters(size=31415)],
                payload=zeros(m, 27182)))
            assert len(next(call).payload.body) == 31415
            call.cancel()
            e = fails(grpc.StatusCode.CANCELLED, lambda: next(call))
            assert call.code() == grpc.StatusCode.CANCELLED, call.code()
        finally:
            requests.close()

    def timeout_on_sleeping_server(self):
        m = self.m
        requests = Requests()
        try:
            requests.send(m.StreamingOutputCallRequest(payload=zeros(m, 27182)))
            call = self.stub.FullDuplexCall(requests, timeout=0.001)
            fails(grpc.StatusCode.DEADLINE_EXCEEDED, lambda: list(call))
        finally:
            requests.close()


ALL = ['empty_unary', 'large_unary', 'client_streaming', 'server_streaming', 'ping_pong',
       'empty_stream', 'custom_metadata', 'status_code_and_message', 'special_status_message',
       'unimplemented_method', 'unimplemented_service', 'client_compressed_unary',
       'server_compressed_unary', 'client_compressed_streaming', 'server_compressed_streaming',
       'cancel_after_begin', 'cancel_after_first_response', 'timeout_on_sleeping_server']


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--server_host', default='127.0.0.1')
    parser.add_argument('--server_port', required=True)
    parser.add_argument('--proto_dir', required=True)
    parser.add_argument('--test_case', default='all')
    args = parser.parse_args()
    m, g = load_stubs(args.proto_dir)
    check_wire_compatibility(m)
    print('PASS wire_compatibility')
    channel = grpc.insecure_channel('%s:%s' % (args.server_host, args.server_port))
    grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
    cases = Cases(channel, m, g)
    names = ALL if args.test_case == 'all' else args.test_case.split(',')
    for name in names:
        start = time.monotonic()
        getattr(cases, name)()
        print('PASS %s (%.0f ms)' % (name, (time.monotonic() - start) * 1000))
        sys.stdout.flush()
    channel.close()
    print('ALL PASSED: %d cases' % len(names))


if __name__ == '__main__':
    main()
