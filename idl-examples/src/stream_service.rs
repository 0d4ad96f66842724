//! The `streams.Demo` service of `stream_demo.idl`: a synthetic product feed (server stream),
//! an upload counter (client stream) and an upper-casing chat (bidirectional), with counters
//! that let tests see backpressure and cancellation from the server's side.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use rosetta::{Context, Status, Streaming};

use crate::streams::demo::WatchError;
use crate::streams::{
    Chunk, Demo, EventKind, FeedBroken, Msg, ProductEvent, UploadSummary, WatchRequest,
};

/// What the feeds did, as the server saw it.
#[derive(Debug, Default)]
pub struct FeedStats {
    /// Events produced by every `Watch` feed (pulled by the protocol, so no more than the
    /// clients could take plus the transport's buffers).
    pub produced: AtomicU64,
    /// `Watch` feeds dropped (ended, or cancelled by a client that went away).
    pub dropped: AtomicU64,
}

/// The demo service; clones share the counters.
#[derive(Debug, Clone, Default)]
pub struct StreamDemo {
    stats: Arc<FeedStats>,
}

impl StreamDemo {
    /// A service with fresh counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counters of every feed this service (and its clones) produced.
    pub fn stats(&self) -> Arc<FeedStats> {
        Arc::clone(&self.stats)
    }
}

/// Counts a feed as dropped when the protocol drops it: the handler's resources go with it.
struct DropGuard(Arc<FeedStats>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

const KINDS: [EventKind; 3] = [EventKind::Created, EventKind::Updated, EventKind::Deleted];

impl Demo for StreamDemo {
    async fn watch(
        &self,
        _ctx: Context,
        request: WatchRequest,
    ) -> Result<Streaming<ProductEvent, WatchError>, WatchError> {
        let WatchRequest {
            prefix,
            limit,
            fail_after,
        } = request;
        let guard = DropGuard(Arc::clone(&self.stats));
        // Generated on demand: the feed computes an event only when the protocol asks for one.
        let feed = futures_util::stream::unfold((1u32, guard), move |(seq, guard)| {
            let prefix = prefix.clone();
            async move {
                if limit != 0 && seq > limit {
                    return None;
                }
                if fail_after != 0 && seq > fail_after {
                    let broken = WatchError::FeedBroken(FeedBroken { after: fail_after });
                    return Some((Err(broken), (seq + 1, guard)));
                }
                guard.0.produced.fetch_add(1, Ordering::SeqCst);
                let event = ProductEvent {
                    seq,
                    product_id: format!("{prefix}{seq}"),
                    kind: KINDS[(seq as usize - 1) % KINDS.len()],
                };
                Some((Ok(event), (seq + 1, guard)))
            }
        });
        Ok(Box::pin(feed))
    }

    async fn upload(
        &self,
        _ctx: Context,
        mut requests: Streaming<Chunk>,
    ) -> Result<UploadSummary, Status> {
        let mut summary = UploadSummary {
            chunks: 0,
            bytes: 0,
        };
        while let Some(chunk) = requests.next().await {
            let chunk = chunk?;
            summary.chunks += 1;
            let len = u32::try_from(chunk.data.len()).unwrap_or(u32::MAX);
            summary.bytes = summary.bytes.checked_add(len).ok_or_else(|| {
                Status::new(rosetta::ErrorKind::OutOfRange, "an upload is at most 4 GiB")
            })?;
        }
        Ok(summary)
    }

    async fn chat(
        &self,
        _ctx: Context,
        requests: Streaming<Msg>,
    ) -> Result<Streaming<Msg>, Status> {
        Ok(Box::pin(requests.map(|line| {
            line.map(|m| Msg {
                from: "server".to_string(),
                text: m.text.to_uppercase(),
            })
        })))
    }
}
