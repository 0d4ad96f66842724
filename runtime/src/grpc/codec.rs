//! [`Codec`]: tonic's codec over Rosetta's own protobuf encoding ([`crate::proto`]), so the
//! domain types travel as they are, with no prost messages or conversions between.
//!
//! What is sent is any message: a stream's messages are encoded by the encoder into a buffer it
//! keeps for the call (no allocation per message), and a unary answer arrives already
//! [`Encoded`] (its size decides whether it is compressed), as a client's requests do. What is received is decoded straight into the domain type `U`. A
//! request that is not valid protobuf, or not a valid value (a required field missing, an enum
//! number the IDL does not declare, a union with no variant), is `INVALID_ARGUMENT` with the
//! field's path in a `google.rpc.BadRequest` (rule `proto`), where tonic-prost's codec answers
//! `INTERNAL`; a response the client cannot read is `INTERNAL` (the server broke the contract).

use std::marker::PhantomData;

use bytes::{Buf, BufMut};
use tonic::Status;
use tonic::codec::{BufferSettings, DecodeBuf, Decoder, EncodeBuf, Encoder};

use super::status::status_to_tonic;
use crate::proto::{self, DecodeError, ProtoMessage};
use crate::validate::Violation;

/// A message already encoded as protobuf (no gRPC framing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encoded(pub Vec<u8>);

impl Encoded {
    /// `message`'s encoding, in a buffer of exactly its size: it is written into a buffer
    /// kept per thread (grown once, not for every message) and copied out, so a message costs
    /// one allocation (a `Vec` grown from empty took four for a small message).
    pub fn of<M: ProtoMessage>(message: &M) -> Self {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Vec<u8>> =
                std::cell::RefCell::new(Vec::with_capacity(SCRATCH_KEPT));
        }
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut buf) => {
                buf.clear();
                message.encode_fields(&mut buf);
                let encoded = Encoded(buf.as_slice().to_vec());
                if buf.capacity() > SCRATCH_KEPT {
                    // A large answer does not keep its buffer for the thread's lifetime.
                    *buf = Vec::with_capacity(SCRATCH_KEPT);
                }
                encoded
            }
            // Only if an encoding encoded again on the same thread: its own buffer then.
            Err(_) => Encoded(proto::encode(message)),
        })
    }

    /// The encoded size in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the empty message.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The per-thread encoding buffer [`Encoded::of`] keeps between messages.
const SCRATCH_KEPT: usize = 16 * 1024;

/// Which end decodes: the server reads requests, the client responses.
pub trait Side: Send + 'static {
    /// The status for bytes that are not a `U`.
    fn refuse(error: DecodeError) -> Status;
}

/// The server's end: a bad request is the client's fault.
#[derive(Debug, Clone, Copy)]
pub enum Requests {}

impl Side for Requests {
    fn refuse(error: DecodeError) -> Status {
        status_to_tonic(crate::status::Status::from_violations(vec![violation(
            &error,
        )]))
    }
}

/// The client's end: a bad response is the server's fault.
#[derive(Debug, Clone, Copy)]
pub enum Responses {}

impl Side for Responses {
    fn refuse(error: DecodeError) -> Status {
        let path = error.field_path();
        let at = if path.is_empty() {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        Status::internal(format!("invalid response from the server{at}: {error}"))
    }
}

/// A decoding failure as a validation problem (rule `proto`) at its field's path.
pub fn violation(error: &DecodeError) -> Violation {
    let field = error.field_path();
    Violation {
        field: if field.is_empty() {
            "(message)".to_string()
        } else {
            field
        },
        rule: "proto".to_string(),
        message: error.message().to_string(),
    }
}

/// A tonic codec that sends `T` (a message, or one already [`Encoded`]) and decodes `U`,
/// failing as side `S` says.
#[derive(Debug)]
pub struct Codec<T, U, S = Requests> {
    _types: PhantomData<fn(T) -> (U, S)>,
}

impl<T, U, S> Default for Codec<T, U, S> {
    fn default() -> Self {
        Codec {
            _types: PhantomData,
        }
    }
}

impl<T, U, S> tonic::codec::Codec for Codec<T, U, S>
where
    T: ProtoMessage + Send + 'static,
    U: ProtoMessage + Send + 'static,
    S: Side,
{
    type Encode = T;
    type Decode = U;
    type Encoder = MessageEncoder<T>;
    type Decoder = MessageDecoder<U, S>;

    fn encoder(&mut self) -> Self::Encoder {
        MessageEncoder {
            scratch: Vec::new(),
            _type: PhantomData,
        }
    }

    fn decoder(&mut self) -> Self::Decoder {
        MessageDecoder {
            _types: PhantomData,
        }
    }
}

/// Encodes each message into a buffer kept for the call, then into tonic's frame.
#[derive(Debug)]
pub struct MessageEncoder<T> {
    scratch: Vec<u8>,
    _type: PhantomData<fn(T)>,
}

impl<T: ProtoMessage> Encoder for MessageEncoder<T> {
    type Item = T;
    type Error = Status;

    fn encode(&mut self, item: T, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        self.scratch.clear();
        item.encode_fields(&mut self.scratch);
        buf.put_slice(&self.scratch);
        if self.scratch.capacity() > SCRATCH_KEPT {
            self.scratch = Vec::new();
        }
        Ok(())
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}

/// An [`Encoded`] message is its bytes (it is only ever sent: decoding one is refused).
impl ProtoMessage for Encoded {
    fn encode_fields(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.0);
    }

    fn decode_fields(_: &mut proto::Reader<'_>) -> Result<Self, DecodeError> {
        Err(DecodeError::new("an encoded message is only sent"))
    }
}

/// Decodes one `U` from a frame's bytes.
#[derive(Debug)]
pub struct MessageDecoder<U, S> {
    _types: PhantomData<fn() -> (U, S)>,
}

impl<U: ProtoMessage, S: Side> Decoder for MessageDecoder<U, S> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        // tonic hands over one message's bytes, nearly always as one chunk: read it in place,
        // and copy only a message split across chunks.
        let len = buf.remaining();
        let result = if buf.chunk().len() == len {
            let result = proto::decode::<U>(buf.chunk());
            buf.advance(len);
            result
        } else {
            proto::decode::<U>(&buf.copy_to_bytes(len))
        };
        result.map(Some).map_err(S::refuse)
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}

/// Every content coding Rosetta's gRPC server and client speak besides `identity`.
pub const ALL_ENCODINGS: [tonic::codec::CompressionEncoding; 3] = [
    tonic::codec::CompressionEncoding::Gzip,
    tonic::codec::CompressionEncoding::Deflate,
    tonic::codec::CompressionEncoding::Zstd,
];
