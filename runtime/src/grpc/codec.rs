//! [`Codec`]: prost encoding with malformed input reported as `INVALID_ARGUMENT`.
//!
//! tonic-prost's `ProstCodec` answers a body that is not valid protobuf with `INTERNAL`; the
//! request is what is wrong, so Rosetta says `INVALID_ARGUMENT` (generated services use this codec
//! through `grpc::service::Rpc` and `grpc::client::Method`).

use std::marker::PhantomData;

use tonic::Status;
use tonic::codec::{BufferSettings, DecodeBuf, Decoder};
use tonic_prost::ProstEncoder;

/// A tonic codec for prost messages: encodes `T`, decodes `U`.
#[derive(Debug, Clone)]
pub struct Codec<T, U> {
    _types: PhantomData<fn(T) -> U>,
}

impl<T, U> Default for Codec<T, U> {
    fn default() -> Self {
        Codec {
            _types: PhantomData,
        }
    }
}

impl<T, U> tonic::codec::Codec for Codec<T, U>
where
    T: prost::Message + Send + 'static,
    U: prost::Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = MessageDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::new(BufferSettings::default())
    }

    fn decoder(&mut self) -> Self::Decoder {
        MessageDecoder { _type: PhantomData }
    }
}

/// Decodes one prost message; a malformed one is `INVALID_ARGUMENT`.
#[derive(Debug, Clone)]
pub struct MessageDecoder<U> {
    _type: PhantomData<fn() -> U>,
}

impl<U: prost::Message + Default> Decoder for MessageDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        U::decode(buf)
            .map(Some)
            .map_err(|e| Status::invalid_argument(format!("malformed protobuf message: {e}")))
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
