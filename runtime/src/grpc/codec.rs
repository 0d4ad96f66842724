//! [`Codec`]: tonic's codec over Rosetta's own protobuf encoding ([`crate::proto`]), so the
//! domain types travel as they are, with no prost messages or conversions between.
//!
//! What is sent is already [`Encoded`]: the server encodes an answer before tonic takes it (its
//! size decides whether it is compressed) and the client encodes a request the same way, so the
//! encoder only copies bytes. What is received is decoded straight into the domain type `U`. A
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
    /// `message`'s encoding.
    #[inline]
    pub fn of<M: ProtoMessage>(message: &M) -> Self {
        Encoded(proto::encode(message))
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

/// A tonic codec that sends [`Encoded`] messages and decodes `U`, failing as side `S` says.
#[derive(Debug)]
pub struct Codec<U, S = Requests> {
    _types: PhantomData<fn() -> (U, S)>,
}

impl<U, S> Default for Codec<U, S> {
    fn default() -> Self {
        Codec {
            _types: PhantomData,
        }
    }
}

impl<U, S> tonic::codec::Codec for Codec<U, S>
where
    U: ProtoMessage + Send + 'static,
    S: Side,
{
    type Encode = Encoded;
    type Decode = U;
    type Encoder = EncodedEncoder;
    type Decoder = MessageDecoder<U, S>;

    fn encoder(&mut self) -> Self::Encoder {
        EncodedEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        MessageDecoder {
            _types: PhantomData,
        }
    }
}

/// Copies an [`Encoded`] message into tonic's frame.
#[derive(Debug, Clone, Copy)]
pub struct EncodedEncoder;

impl Encoder for EncodedEncoder {
    type Item = Encoded;
    type Error = Status;

    fn encode(&mut self, item: Encoded, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        buf.put_slice(&item.0);
        Ok(())
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
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
        // One contiguous run (tonic hands over one message's bytes; usually one chunk already).
        let bytes = buf.copy_to_bytes(buf.remaining());
        proto::decode::<U>(&bytes).map(Some).map_err(S::refuse)
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
