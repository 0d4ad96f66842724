//! The gRPC request framing check: every request body is read through [`FramedBody`], which
//! follows the length-prefixed messages (`Compressed-Flag`, 4-byte length, message) as they
//! stream past and refuses a body that breaks the framing rules, with the status the gRPC
//! documents name for each case:
//!
//! | case | status | why |
//! | --- | --- | --- |
//! | the body ends inside a 5-byte prefix or a message (a 3-byte body) | `INVALID_ARGUMENT` | the request is malformed; gRPC's status table names no code for it, and Rosetta answers every malformed request body this way |
//! | a `Compressed-Flag` other than 0 or 1 | `INVALID_ARGUMENT` | likewise (PROTOCOL-HTTP2.md allows only 0 and 1) |
//! | `Compressed-Flag` 1 without a `grpc-encoding` (or with `identity`) | `INTERNAL` | compression.md: such a message "MUST fail with INTERNAL status" |
//! | a unary or server-streaming call with no request message, or with a second one | `UNIMPLEMENTED` | statuscodes.md, "request cardinality violation" (grpc-core and grpc-node answer the same; grpc-go and grpc-java say `INTERNAL`) |
//!
//! tonic (0.14) answers the first three with `INTERNAL` and reads a unary call's extra messages
//! without complaint (it drains the body for trailers), so the check runs before tonic decodes:
//! the error travels as the body's error, a [`tonic::Status`], which tonic's decoder finds in the
//! error's source chain and answers as is. The handler is never called for a refused body. The
//! messages themselves pass through untouched (no copy, no buffering): the check only counts
//! bytes.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use bytes::Buf;
use http_body::{Frame, SizeHint};

/// The gRPC methods of the runtime's own services whose callers may send any number of request
/// messages: health's `Watch` is server-streaming (one request), so only reflection's
/// bidirectional stream. The client-streaming rpcs of mounted services come from their
/// descriptor sets ([`client_streaming_paths`]).
const CLIENT_STREAMING_METHODS: [&str; 2] = [
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
];

/// Method paths, sorted (the client-streaming methods', or those answering with a stream): every
/// gRPC call looks its path up in the first, and
/// a binary search over a few short strings costs a fraction of hashing the path with std's
/// SipHash (a `HashSet<String>` spent ~200 instructions per call on the hash alone).
#[derive(Debug, Default)]
pub(crate) struct StreamingPaths(Box<[Box<str>]>);

impl StreamingPaths {
    /// True when `path` is one of these.
    pub(crate) fn contains(&self, path: &str) -> bool {
        self.0.binary_search_by(|p| (**p).cmp(path)).is_ok()
    }
}

/// The paths (`/pkg.Service/Method`) of every client-streaming method the encoded
/// `FileDescriptorSet`s describe, plus reflection's: the methods whose callers may send any
/// number of request messages. A set that does not decode adds nothing (its methods are then
/// held to one message, the safe side).
pub(crate) fn client_streaming_paths(descriptor_sets: &[&[u8]]) -> StreamingPaths {
    let mut paths = method_paths(descriptor_sets, |m| m.client_streaming());
    paths.extend(CLIENT_STREAMING_METHODS.iter().map(|p| p.to_string()));
    StreamingPaths::from(paths)
}

/// The paths of every server-streaming or bidirectional method the encoded
/// `FileDescriptorSet`s describe: the methods that answer with a stream.
pub(crate) fn response_streaming_paths(descriptor_sets: &[&[u8]]) -> StreamingPaths {
    StreamingPaths::from(method_paths(descriptor_sets, |m| m.server_streaming()))
}

impl From<std::collections::BTreeSet<String>> for StreamingPaths {
    fn from(paths: std::collections::BTreeSet<String>) -> Self {
        // A BTreeSet iterates in order: the slice is sorted for the binary search.
        StreamingPaths(paths.into_iter().map(String::into_boxed_str).collect())
    }
}

/// The paths of the methods of `descriptor_sets` that `pick` chooses; a set that does not decode
/// adds nothing.
fn method_paths(
    descriptor_sets: &[&[u8]],
    pick: impl Fn(&prost_types::MethodDescriptorProto) -> bool,
) -> std::collections::BTreeSet<String> {
    use prost::Message;
    let mut paths = std::collections::BTreeSet::new();
    for set in descriptor_sets {
        let Ok(set) = prost_types::FileDescriptorSet::decode(*set) else {
            continue;
        };
        for file in &set.file {
            let package = file.package();
            for service in &file.service {
                for method in service.method.iter().filter(|m| pick(m)) {
                    let service = if package.is_empty() {
                        service.name().to_string()
                    } else {
                        format!("{package}.{}", service.name())
                    };
                    paths.insert(format!("/{service}/{}", method.name()));
                }
            }
        }
    }
    paths
}

/// Wraps the body of gRPC request `req` in a [`FramedBody`] (the registry's request layer);
/// `streaming` holds the paths of the client-streaming methods.
pub(crate) fn check_framing(
    req: http::Request<Body>,
    streaming: &StreamingPaths,
    max_messages: Option<u64>,
) -> http::Request<Body> {
    let single = !streaming.contains(req.uri().path());
    let encoded = req
        .headers()
        .get(super::names::GRPC_ENCODING)
        .is_some_and(|e| e.as_bytes() != b"identity");
    let limited = |body| {
        let mut framed = FramedBody::new(body, single, encoded);
        framed.max_messages = max_messages;
        framed
    };
    if !encoded {
        // No coding named: no message may be compressed (the check refuses one), so there are
        // no flags to record (`Context::request_compressed` answers `false`), and the common call
        // allocates nothing for them.
        return req.map(|body| Body::new(limited(body)));
    }
    // Each message's Compressed-Flag, for `Context::request_compressed`.
    let flags = crate::metadata::MessageCompression::default();
    let mut req = req.map(|body| {
        let mut framed = limited(body);
        framed.flags = Some(flags.clone());
        Body::new(framed)
    });
    req.extensions_mut().insert(flags);
    req
}

/// A request body that checks gRPC framing as it streams (see the module documentation).
pub(crate) struct FramedBody {
    inner: Body,
    /// The call takes exactly one request message.
    single: bool,
    /// The request names a content coding, so compressed messages are allowed.
    encoded: bool,
    /// The bytes of the current 5-byte prefix seen so far.
    prefix: [u8; 5],
    prefix_len: usize,
    /// Bytes of the current message still to come.
    message_left: u64,
    /// Messages whose prefix has been read.
    messages: u64,
    /// An error was returned: the body is over.
    failed: bool,
    /// Where each message's Compressed-Flag goes (the request's extensions).
    flags: Option<crate::metadata::MessageCompression>,
    /// The most messages the request may carry (`GrpcOptions::max_stream_messages`).
    max_messages: Option<u64>,
}

impl FramedBody {
    pub(crate) fn new(inner: Body, single: bool, encoded: bool) -> Self {
        FramedBody {
            inner,
            single,
            encoded,
            prefix: [0; 5],
            prefix_len: 0,
            message_left: 0,
            messages: 0,
            failed: false,
            flags: None,
            max_messages: None,
        }
    }

    /// Follows the framing through `data`.
    fn follow(&mut self, mut data: &[u8]) -> Result<(), tonic::Status> {
        while !data.is_empty() {
            if self.message_left > 0 {
                let n = usize::try_from(self.message_left)
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                self.message_left -= n as u64;
                data = &data[n..];
                continue;
            }
            // A whole prefix in this chunk (nearly always): read it at once. A prefix copied
            // piece by piece cost a `memcpy` call per message on a stream of small ones.
            if self.prefix_len == 0
                && let Some((prefix, rest)) = data.split_first_chunk::<5>()
            {
                self.prefix = *prefix;
                data = rest;
                self.message()?;
                continue;
            }
            let n = (5 - self.prefix_len).min(data.len());
            self.prefix[self.prefix_len..self.prefix_len + n].copy_from_slice(&data[..n]);
            self.prefix_len += n;
            data = &data[n..];
            if self.prefix_len == 5 {
                self.prefix_len = 0;
                self.message()?;
            }
        }
        Ok(())
    }

    /// A complete prefix was read: checks its flag and the number of messages.
    fn message(&mut self) -> Result<(), tonic::Status> {
        match self.prefix[0] {
            0 => {}
            1 if self.encoded => {}
            1 => {
                return Err(tonic::Status::internal(
                    "protocol error: a message has its Compressed-Flag set but the request has \
                     no grpc-encoding",
                ));
            }
            f => {
                return Err(tonic::Status::invalid_argument(format!(
                    "malformed gRPC message prefix: Compressed-Flag {f} (only 0 and 1 are valid)"
                )));
            }
        }
        self.messages += 1;
        if let Some(flags) = &self.flags {
            flags.framed(self.prefix[0] == 1);
        }
        if self.single && self.messages > 1 {
            return Err(tonic::Status::unimplemented(
                "request cardinality violation: this method takes exactly one request message, \
                 and the request carries more",
            ));
        }
        if let Some(max) = self.max_messages
            && self.messages > max
        {
            return Err(tonic::Status::resource_exhausted(format!(
                "a request stream carries at most {max} messages (GrpcOptions::max_stream_messages)"
            )));
        }
        let [_, len @ ..] = self.prefix;
        self.message_left = u64::from(u32::from_be_bytes(len));
        Ok(())
    }

    /// The request body ended (no more data): checks that it ended between messages, and that a
    /// single-message call got its message.
    fn end(&self) -> Result<(), tonic::Status> {
        if self.prefix_len > 0 {
            return Err(tonic::Status::invalid_argument(format!(
                "malformed gRPC request body: it ends {} bytes into a 5-byte message prefix",
                self.prefix_len
            )));
        }
        if self.message_left > 0 {
            return Err(tonic::Status::invalid_argument(format!(
                "malformed gRPC request body: it ends {} bytes before the end of its message",
                self.message_left
            )));
        }
        if self.single && self.messages == 0 {
            return Err(tonic::Status::unimplemented(
                "request cardinality violation: this method takes exactly one request message, \
                 and the request carries none",
            ));
        }
        Ok(())
    }

    fn fail(
        &mut self,
        status: tonic::Status,
    ) -> Poll<Option<Result<Frame<bytes::Bytes>, axum::Error>>> {
        self.failed = true;
        Poll::Ready(Some(Err(axum::Error::new(status))))
    }
}

impl http_body::Body for FramedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if self.failed {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let checked = match frame.data_ref() {
                    Some(data) => self.follow(data.chunk()),
                    // Trailers close the request stream: no data follows them.
                    None => self.end(),
                };
                match checked {
                    Ok(()) => Poll::Ready(Some(Ok(frame))),
                    Err(status) => self.fail(status),
                }
            }
            Poll::Ready(None) => match self.end() {
                Ok(()) => Poll::Ready(None),
                Err(status) => self.fail(status),
            },
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        // Never report the end early: `poll_frame` must see it to check the framing.
        self.failed
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;
    use http_body::Body as _;
    use tonic::Code;

    /// A body that yields the given chunks, one data frame each.
    struct Chunks(VecDeque<bytes::Bytes>);

    impl http_body::Body for Chunks {
        type Data = bytes::Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<bytes::Bytes>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(|c| Ok(Frame::data(c))))
        }
    }

    /// Reads a body made of `chunks` through the check: the bytes passed on, or the status of
    /// the error.
    async fn check(chunks: &[&[u8]], single: bool, encoded: bool) -> Result<usize, tonic::Status> {
        let inner = Chunks(
            chunks
                .iter()
                .map(|c| bytes::Bytes::copy_from_slice(c))
                .collect(),
        );
        let mut body = FramedBody::new(Body::new(inner), single, encoded);
        let mut seen = 0;
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            match frame {
                Ok(f) => seen += f.data_ref().map_or(0, bytes::Bytes::len),
                Err(e) => {
                    let status = std::error::Error::source(&e)
                        .and_then(|s| s.downcast_ref::<tonic::Status>())
                        .expect("a tonic::Status in the error");
                    return Err(tonic::Status::new(status.code(), status.message()));
                }
            }
        }
        Ok(seen)
    }

    /// A message frame: flag, big-endian length, payload.
    fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![flag];
        v.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    fn code(r: Result<usize, tonic::Status>) -> Code {
        r.expect_err("refused").code()
    }

    #[tokio::test]
    async fn well_formed_bodies_pass_whatever_the_chunking() {
        let one = frame(0, b"\x0a\x05world");
        assert_eq!(check(&[&one], true, false).await.unwrap(), one.len());
        // Split inside the prefix and inside the message.
        let split = check(&[&one[..2], &one[2..7], &one[7..]], true, false).await;
        assert_eq!(split.unwrap(), one.len());
        // An empty message is a message.
        assert_eq!(check(&[&frame(0, b"")], true, false).await.unwrap(), 5);
        // Streaming methods take any number, none included.
        let two = [frame(0, b"a"), frame(0, b"b")].concat();
        assert_eq!(check(&[&two], false, false).await.unwrap(), 12);
        assert_eq!(check(&[], false, false).await.unwrap(), 0);
        // A compressed message, with an encoding named.
        assert_eq!(check(&[&frame(1, b"zz")], true, true).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn each_framing_fault_has_its_status() {
        let one = frame(0, b"\x0a\x05world");
        assert_eq!(
            code(check(&[b"\0\0\0"], true, false).await),
            Code::InvalidArgument
        );
        assert_eq!(
            code(check(&[&one[..8]], true, false).await),
            Code::InvalidArgument
        );
        assert_eq!(
            code(check(&[&frame(2, b"x")], true, false).await),
            Code::InvalidArgument
        );
        assert_eq!(
            code(check(&[&frame(1, b"x")], true, false).await),
            Code::Internal
        );
        let two = [frame(0, b"a"), frame(0, b"b")].concat();
        assert_eq!(code(check(&[&two], true, false).await), Code::Unimplemented);
        let split = check(&[&two[..6], &two[6..]], true, false).await;
        assert_eq!(code(split), Code::Unimplemented);
        assert_eq!(code(check(&[], true, false).await), Code::Unimplemented);
    }

    #[test]
    fn client_streams_come_from_the_descriptor_sets() {
        use prost::Message;
        use prost_types::{
            FileDescriptorProto, FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto,
        };
        let method = |name: &str, client_streaming| MethodDescriptorProto {
            name: Some(name.into()),
            client_streaming: Some(client_streaming),
            server_streaming: Some(true),
            ..Default::default()
        };
        let set = FileDescriptorSet {
            file: vec![FileDescriptorProto {
                package: Some("streams".into()),
                service: vec![ServiceDescriptorProto {
                    name: Some("Streams".into()),
                    method: vec![method("Watch", false), method("Chat", true)],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
        .encode_to_vec();
        let paths = client_streaming_paths(&[&set, b"\xff not a descriptor set"]);
        assert!(paths.contains("/streams.Streams/Chat"));
        assert!(
            !paths.contains("/streams.Streams/Watch"),
            "one request message"
        );
        assert!(!paths.contains("/Greeter/SayHello"));
        assert!(!paths.contains("/grpc.health.v1.Health/Watch"));
        for path in CLIENT_STREAMING_METHODS {
            assert!(paths.contains(path), "{path}");
        }
    }
}
