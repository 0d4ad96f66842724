//! The server's timeout of every call ([`Server::timeout`](super::Server::timeout)) through one
//! timer: a queue of deadlines in arrival order, swept by one task of the server's.
//!
//! Why not a `tokio::time::Sleep` per call, as `tokio::time::timeout` would: each call still
//! running after its first poll (a unary gRPC call whose body is not in yet, say) then boxed a
//! timer, entered it into the runtime's wheel and took it out again, and whenever the wheel had
//! been empty (often, between short calls) tokio woke its I/O driver with an `eventfd` write so
//! that it would park with the new timeout: about one system call per eight unary gRPC calls at
//! 64 concurrent calls, which tonic's server, with no timeout, never makes (issue 19). Every call
//! of a server has the same limit, so deadlines come in nearly in order: a call joins the back of
//! one queue, its [`Ticket`] marks it finished when dropped, and the sweeper sleeps until the
//! deadline at the front, expires what is due, and sleeps again. Its timer is set once per
//! deadline it waits for, never per call.
//!
//! A deadline fires no earlier than it is due, and late by at most the time between two calls'
//! arrival and their first wait (the queue's order is the order calls first wait, not quite the
//! order they arrived).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};

use futures_util::task::AtomicWaker;
use tokio::time::Instant;

/// The call is still running.
const RUNNING: u8 = 0;
/// The call finished (its ticket was dropped) before its deadline.
const FINISHED: u8 = 1;
/// The sweeper found the call running at its deadline.
const EXPIRED: u8 = 2;

/// The smallest queue that is compacted: finished calls behind a long one at the front wait
/// there until it ends, so the queue is cleaned whenever it doubles past this.
const COMPACT_AT: usize = 1024;

/// The deadlines of one server's calls.
pub(super) struct Deadlines {
    shared: Arc<Shared>,
}

struct Shared {
    queue: Mutex<Queue>,
}

struct Queue {
    /// Calls waiting, in the order they first waited.
    entries: VecDeque<Arc<Entry>>,
    /// The length at which finished entries are dropped from anywhere in the queue.
    compact_at: usize,
    sweeper: Sweeper,
    /// The server is gone: the sweeper ends.
    closed: bool,
}

/// What the sweeper task is doing.
enum Sweeper {
    /// Not spawned yet (spawned by the first call that waits, on that call's runtime).
    NotStarted,
    /// Sleeping until the deadline at the front, or about to look at the queue.
    Busy,
    /// The queue was empty: waiting to be woken by the next call.
    Idle(Waker),
}

/// One waiting call.
struct Entry {
    deadline: Instant,
    state: AtomicU8,
    /// The call's task, woken when the deadline passes.
    waker: AtomicWaker,
}

/// A call's place in the queue: finished when dropped.
pub(super) struct Ticket(Arc<Entry>);

impl Deadlines {
    pub(super) fn new() -> Self {
        Deadlines {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue {
                    entries: VecDeque::new(),
                    compact_at: COMPACT_AT,
                    sweeper: Sweeper::NotStarted,
                    closed: false,
                }),
            }),
        }
    }

    /// Puts a call due at `deadline` at the back of the queue. Called from within a tokio
    /// runtime (the first call spawns the sweeper on it).
    pub(super) fn register(&self, deadline: Instant) -> Ticket {
        let entry = Arc::new(Entry {
            deadline,
            state: AtomicU8::new(RUNNING),
            waker: AtomicWaker::new(),
        });
        let (spawn, wake) = {
            let mut queue = self.shared.lock();
            // Calls that finished in order leave from the front; the rest when the queue has
            // doubled since it was last cleaned.
            while queue
                .entries
                .front()
                .is_some_and(|e| e.state.load(Ordering::Acquire) != RUNNING)
            {
                queue.entries.pop_front();
            }
            if queue.entries.len() >= queue.compact_at {
                queue
                    .entries
                    .retain(|e| e.state.load(Ordering::Acquire) == RUNNING);
                queue.compact_at = COMPACT_AT.max(2 * queue.entries.len());
            }
            queue.entries.push_back(Arc::clone(&entry));
            match std::mem::replace(&mut queue.sweeper, Sweeper::Busy) {
                Sweeper::NotStarted => (true, None),
                Sweeper::Idle(waker) => (false, Some(waker)),
                Sweeper::Busy => (false, None),
            }
        };
        if spawn {
            tokio::spawn(sweep(Arc::downgrade(&self.shared)));
        }
        if let Some(waker) = wake {
            waker.wake();
        }
        Ticket(entry)
    }
}

impl Drop for Deadlines {
    fn drop(&mut self) {
        let idle = {
            let mut queue = self.shared.lock();
            queue.closed = true;
            match std::mem::replace(&mut queue.sweeper, Sweeper::Busy) {
                Sweeper::Idle(waker) => Some(waker),
                _ => None,
            }
        };
        if let Some(waker) = idle {
            waker.wake();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // The queue stays consistent whatever panicked while holding it.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Expires every call at the front whose deadline has passed and drops finished ones; says
    /// what the sweeper does next (marked idle, to be woken through `waker`, when nothing waits).
    fn sweep(&self, now: Instant, waker: &Waker) -> Step {
        let mut expired = Vec::new();
        let step = {
            let mut queue = self.lock();
            if queue.closed {
                return Step::Stop;
            }
            loop {
                let Some(front) = queue.entries.front() else {
                    queue.sweeper = Sweeper::Idle(waker.clone());
                    break Step::Idle;
                };
                if front.state.load(Ordering::Acquire) == RUNNING && front.deadline > now {
                    break Step::Sleep(front.deadline);
                }
                let front = queue.entries.pop_front().expect("the front was just seen");
                if front
                    .state
                    .compare_exchange(RUNNING, EXPIRED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    expired.push(front);
                }
            }
        };
        // Woken outside the lock: a woken call may finish (and drop its ticket) at once.
        for entry in expired {
            entry.waker.wake();
        }
        step
    }
}

/// What the sweeper does after looking at the queue.
enum Step {
    /// Sleep until the deadline at the front.
    Sleep(Instant),
    /// Wait for the next call (nothing waits).
    Idle,
    /// End: the server is gone.
    Stop,
}

/// The sweeper: sleeps until the front deadline, expires what is due, and waits for the next
/// call when the queue is empty. Ends when the server's [`Deadlines`] is dropped.
async fn sweep(shared: Weak<Shared>) {
    loop {
        let step = std::future::poll_fn(|cx| {
            let Some(shared) = shared.upgrade() else {
                return Poll::Ready(Step::Stop);
            };
            match shared.sweep(Instant::now(), cx.waker()) {
                // `register` (or the server's drop) wakes this task.
                Step::Idle => Poll::Pending,
                step => Poll::Ready(step),
            }
        })
        .await;
        match step {
            Step::Sleep(deadline) => tokio::time::sleep_until(deadline).await,
            Step::Idle | Step::Stop => return,
        }
    }
}

impl Ticket {
    /// Whether the call's deadline has passed; otherwise the call's task is woken when it does.
    pub(super) fn poll_expired(&self, cx: &mut Context<'_>) -> bool {
        // The waker before the state: an expiry after the load wakes the waker just stored.
        self.0.waker.register(cx.waker());
        self.0.state.load(Ordering::Acquire) == EXPIRED
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let _ =
            self.0
                .state
                .compare_exchange(RUNNING, FINISHED, Ordering::AcqRel, Ordering::Acquire);
    }
}

#[cfg(test)]
mod tests {
    //! On tokio's paused clock: time moves only when every task waits, to the next timer, so
    //! each test reads the deadlines' order, never the machine's speed.

    use super::*;
    use std::time::Duration;

    /// Polls `ticket` once with a waker that records being woken.
    fn expired(ticket: &Ticket, woken: &Arc<Flag>) -> bool {
        let waker = Waker::from(Arc::clone(woken));
        ticket.poll_expired(&mut Context::from_waker(&waker))
    }

    #[derive(Default)]
    struct Flag(std::sync::atomic::AtomicBool);

    impl Flag {
        fn is_set(&self) -> bool {
            self.0.load(Ordering::SeqCst)
        }
    }

    impl std::task::Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_running_call_expires_at_its_deadline_and_its_task_is_woken() {
        let deadlines = Deadlines::new();
        let ticket = deadlines.register(Instant::now() + Duration::from_millis(60));
        let woken = Arc::new(Flag::default());
        assert!(!expired(&ticket, &woken));
        // Just before the deadline: still running, not woken.
        tokio::time::sleep(Duration::from_millis(59)).await;
        assert!(!woken.is_set(), "woken early");
        assert!(!expired(&ticket, &woken), "expired early");
        // Past it: the sweeper ran at the deadline.
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert!(woken.is_set(), "never woken");
        assert!(expired(&ticket, &woken));
    }

    #[tokio::test(start_paused = true)]
    async fn finished_calls_never_expire_and_later_calls_still_do() {
        let deadlines = Deadlines::new();
        let start = Instant::now();
        // Finished before their deadline, at the front of the queue.
        for _ in 0..3 {
            drop(deadlines.register(start + Duration::from_millis(20)));
        }
        let later = deadlines.register(start + Duration::from_millis(80));
        let woken = Arc::new(Flag::default());
        assert!(!expired(&later, &woken));
        tokio::time::sleep(Duration::from_millis(79)).await;
        assert!(!expired(&later, &woken), "expired before its deadline");
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert!(expired(&later, &woken), "never expired");
        assert!(woken.is_set());
    }

    #[tokio::test]
    async fn the_queue_is_compacted_behind_a_long_call() {
        let deadlines = Deadlines::new();
        let far = Instant::now() + Duration::from_secs(3600);
        let _long = deadlines.register(far);
        for _ in 0..10 * COMPACT_AT {
            drop(deadlines.register(far));
        }
        // The long call and at most one compaction's worth of finished calls behind it.
        let len = deadlines.shared.lock().entries.len();
        assert!(len <= COMPACT_AT + 1, "{len} entries kept");
    }

    #[test]
    fn the_sweeper_ends_with_the_server() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let alive = || {
                tokio::runtime::Handle::current()
                    .metrics()
                    .num_alive_tasks()
            };
            let deadlines = Deadlines::new();
            drop(deadlines.register(Instant::now() + Duration::from_millis(1)));
            // The sweeper runs, finds the queue empty after the deadline and goes idle.
            tokio::time::sleep(Duration::from_millis(5)).await;
            assert_eq!(alive(), 1);
            drop(deadlines);
            tokio::time::sleep(Duration::from_millis(5)).await;
            assert_eq!(alive(), 0);
        });
    }
}
