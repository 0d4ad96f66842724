//! The typed streams of streaming rpcs (`(stream T)`, `-> stream T`).
//!
//! A service trait takes a client stream as [`Streaming<T>`] and returns a server stream as
//! [`Streaming<T, E>`]: a boxed [`Stream`] of `Result<T, E>`, the shape of tonic's own server
//! streams (`Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>`), with domain types in place
//! of prost messages. Incoming items fail with a [`Status`] (a malformed or invalid message is
//! `invalid_argument`, a broken connection whatever the protocol says); outgoing items fail with
//! the rpc's own error type, so a declared error can end a stream with its details. The first
//! `Err` ends the stream: every protocol sends it as the stream's final status (gRPC trailers, an
//! SSE `error` event, a last NDJSON line).
//!
//! Nothing buffers: a protocol polls the handler's stream only when its transport can take the
//! next message (HTTP/2 flow control), so a client that does not read stops the producer; and
//! when the client goes away the protocol drops the stream, which drops whatever the handler
//! holds (cancellation is `Drop`).

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

pub use futures_core::Stream;

use crate::status::Status;

/// A stream of `T` messages, each `Ok`, or a last `Err` that ends it.
pub type Streaming<T, E = Status> = Pin<Box<dyn Stream<Item = Result<T, E>> + Send + 'static>>;

/// Boxes any stream of results as a [`Streaming`] (what a handler returns).
pub fn boxed<T, E, S>(stream: S) -> Streaming<T, E>
where
    S: Stream<Item = Result<T, E>> + Send + 'static,
{
    Box::pin(stream)
}

/// A stream of the items of `iter`, all `Ok` (a finite server stream).
pub fn iter<T, E, I>(iter: I) -> Streaming<T, E>
where
    I: IntoIterator<Item = T>,
    I::IntoIter: Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    Box::pin(futures_util::stream::iter(iter.into_iter().map(Ok)))
}

/// Stops at the first `Err`: the stream ends after it (no item is read after an error, so a
/// handler's stream that keeps going after failing is not polled again).
#[doc(hidden)]
pub struct FuseOnError<S> {
    inner: Option<S>,
}

impl<S> FuseOnError<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        FuseOnError { inner: Some(inner) }
    }
}

impl<S, T, E> Stream for FuseOnError<S>
where
    S: Stream<Item = Result<T, E>> + Unpin,
{
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(inner).poll_next(cx) {
            Poll::Ready(Some(Err(e))) => {
                // Dropping the handler's stream now releases what it holds.
                self.inner = None;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                self.inner = None;
                Poll::Ready(None)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[tokio::test]
    async fn nothing_is_read_after_an_error() {
        let s = futures_util::stream::iter(vec![Ok(1), Err(Status::internal("x")), Ok(2)]);
        let got: Vec<_> = FuseOnError::new(s).collect().await;
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].as_ref().ok(), Some(&1));
        assert_eq!(got[1].as_ref().err().map(Status::message), Some("x"));
    }

    #[tokio::test]
    async fn iter_and_boxed_are_streams_of_results() {
        let s: Streaming<i32> = iter([1, 2, 3]);
        let got: Vec<i32> = s.map(|r| r.unwrap()).collect().await;
        assert_eq!(got, [1, 2, 3]);
        let b: Streaming<i32, Status> = boxed(futures_util::stream::empty());
        assert_eq!(b.count().await, 0);
    }
}
