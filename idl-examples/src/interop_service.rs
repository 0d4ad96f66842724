//! `grpc.testing.TestService` (`grpc_testing.idl`), implemented as gRPC's interop test
//! descriptions ask of a test server: payloads of the requested sizes, echoed status
//! (`response_status`), echoed metadata (`x-grpc-test-echo-initial` as a response header,
//! `x-grpc-test-echo-trailing-bin` as a trailer), compression asked for (`response_compressed`)
//! and checked (`expect_compressed`), and `interval_us` waits between stream messages. Everything
//! it needs is a [`Context`] feature any service can use: `response_metadata()` and
//! `request_compressed()`.

use futures_util::StreamExt;
use rosetta::{Context, ErrorKind, Status, Streaming};

use crate::grpc::testing::{
    BoolValue, EchoStatus, Empty, Payload, PayloadType, ResponseParameters, SimpleRequest,
    SimpleResponse, StreamingInputCallRequest, StreamingInputCallResponse,
    StreamingOutputCallRequest, StreamingOutputCallResponse, TestService,
};

/// The metadata key whose value comes back as a response header.
pub const ECHO_INITIAL: &str = "x-grpc-test-echo-initial";
/// The binary metadata key whose value comes back as a trailer.
pub const ECHO_TRAILING: &str = "x-grpc-test-echo-trailing-bin";

/// The interop test server (stateless).
#[derive(Debug, Clone, Copy, Default)]
pub struct Interop;

/// Echoes the two metadata keys the interop cases send, on whatever protocol carried the call.
fn echo_metadata(ctx: &Context) -> Result<(), Status> {
    let response = ctx.response_metadata();
    if let Some(value) = ctx.header(ECHO_INITIAL) {
        response.insert_header(ECHO_INITIAL, value)?;
    }
    if let Some(value) = ctx.header_bin(ECHO_TRAILING) {
        response.insert_trailer(ECHO_TRAILING, value)?;
    }
    Ok(())
}

/// The status a request asks to be answered with (`response_status`; code 0 is OK).
fn echo_status(status: Option<&EchoStatus>) -> Result<(), Status> {
    match status {
        Some(s) if s.code != 0 => Err(Status::new(
            ErrorKind::from_grpc_code(s.code),
            s.message.clone(),
        )),
        _ => Ok(()),
    }
}

/// `INVALID_ARGUMENT` when the request said it would arrive compressed and it did not.
fn check_compressed(ctx: &Context, expect: Option<&BoolValue>) -> Result<(), Status> {
    if expect.is_some_and(|b| b.value) && ctx.request_compressed() != Some(true) {
        return Err(Status::invalid_argument(
            "expect_compressed is set but the request message arrived uncompressed",
        ));
    }
    Ok(())
}

/// A payload of `size` zero bytes (a negative size is refused by the IDL's `@range`).
fn payload(size: i32) -> Payload {
    Payload {
        r#type: PayloadType::Compressable,
        body: vec![0; usize::try_from(size).unwrap_or(0)],
    }
}

fn payload_size(payload: Option<&Payload>) -> i32 {
    payload.map_or(0, |p| i32::try_from(p.body.len()).unwrap_or(i32::MAX))
}

/// The responses one request asks for, each after its `interval_us` wait; or, when the request
/// carries a `response_status`, that status alone (the stream ends there).
fn responses(
    request: Result<StreamingOutputCallRequest, Status>,
) -> Streaming<StreamingOutputCallResponse> {
    let request = match request.and_then(|r| echo_status(r.response_status.as_ref()).map(|()| r)) {
        Ok(r) => r,
        Err(status) => return Box::pin(futures_util::stream::once(async { Err(status) })),
    };
    Box::pin(
        futures_util::stream::iter(request.response_parameters).then(
            |ResponseParameters {
                 size, interval_us, ..
             }| async move {
                if interval_us > 0 {
                    let wait = u64::try_from(interval_us).unwrap_or(0);
                    tokio::time::sleep(std::time::Duration::from_micros(wait)).await;
                }
                Ok(StreamingOutputCallResponse {
                    payload: Some(payload(size)),
                })
            },
        ),
    )
}

impl TestService for Interop {
    async fn empty_call(&self, ctx: Context, _request: Empty) -> Result<Empty, Status> {
        echo_metadata(&ctx)?;
        Ok(Empty {})
    }

    async fn unary_call(
        &self,
        ctx: Context,
        request: SimpleRequest,
    ) -> Result<SimpleResponse, Status> {
        echo_metadata(&ctx)?;
        echo_status(request.response_status.as_ref())?;
        check_compressed(&ctx, request.expect_compressed.as_ref())?;
        if let Some(compressed) = &request.response_compressed {
            ctx.response_metadata().set_compression(compressed.value);
        }
        Ok(SimpleResponse {
            payload: Some(payload(request.response_size)),
            username: String::new(),
            oauth_scope: String::new(),
        })
    }

    async fn streaming_output_call(
        &self,
        ctx: Context,
        request: StreamingOutputCallRequest,
    ) -> Result<Streaming<StreamingOutputCallResponse>, Status> {
        echo_metadata(&ctx)?;
        Ok(responses(Ok(request)))
    }

    async fn streaming_input_call(
        &self,
        ctx: Context,
        mut requests: Streaming<StreamingInputCallRequest>,
    ) -> Result<StreamingInputCallResponse, Status> {
        echo_metadata(&ctx)?;
        let mut total: i32 = 0;
        while let Some(request) = requests.next().await {
            let request = request?;
            // `request_compressed` speaks of the message the stream just yielded.
            check_compressed(&ctx, request.expect_compressed.as_ref())?;
            total = total.saturating_add(payload_size(request.payload.as_ref()));
        }
        Ok(StreamingInputCallResponse {
            aggregated_payload_size: total,
        })
    }

    async fn full_duplex_call(
        &self,
        ctx: Context,
        requests: Streaming<StreamingOutputCallRequest>,
    ) -> Result<Streaming<StreamingOutputCallResponse>, Status> {
        echo_metadata(&ctx)?;
        // One request's responses, then the next request: answered as they arrive.
        Ok(Box::pin(requests.flat_map(responses)))
    }

    async fn half_duplex_call(
        &self,
        ctx: Context,
        requests: Streaming<StreamingOutputCallRequest>,
    ) -> Result<Streaming<StreamingOutputCallResponse>, Status> {
        echo_metadata(&ctx)?;
        // Every request first (an error among them ends the stream when its turn comes).
        let all: Vec<_> = requests.collect().await;
        Ok(Box::pin(
            futures_util::stream::iter(all).flat_map(responses),
        ))
    }

    async fn unimplemented_call(&self, _ctx: Context, _request: Empty) -> Result<Empty, Status> {
        Err(Status::unimplemented(
            "grpc.testing.TestService/UnimplementedCall is not implemented, by design",
        ))
    }
}
