//! How often an idle worker asks the queue for jobs.
//!
//! apalis-core 1.0's `IntervalStrategy` replaces a delay that fired with a new one without
//! polling it, so nothing is set to wake the worker again: when the fetch that follows finds no
//! job at once, the worker sleeps for good and queued jobs wait forever (seen in the browser
//! tests: a sync stayed `queued`). This strategy arms each next delay as it makes it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{PollSnapshot, PollStrategy};
use tokio::time::{Sleep, sleep};

pub struct Every {
    interval: Duration,
    delay: Pin<Box<Sleep>>,
}

impl Every {
    pub fn new(interval: Duration) -> Self {
        Every {
            interval,
            delay: Box::pin(sleep(interval)),
        }
    }
}

impl PollStrategy for Every {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        match self.delay.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.delay = Box::pin(sleep(self.interval));
                // Registers the waker with the next delay now.
                let _ = self.delay.as_mut().poll(cx);
                Poll::Ready(Some(()))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// After it fires, the strategy still wakes its task, with no other poll in between.
    #[tokio::test]
    async fn keeps_waking_the_worker_after_each_tick() {
        let wakes = Arc::new(Count(AtomicUsize::new(0)));
        let waker = std::task::Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let mut every = Every::new(Duration::from_millis(10));
        let snapshot = PollSnapshot::default();
        assert!(every.poll_drive(&mut cx, &snapshot).is_pending());
        for tick in 1..=3 {
            // Generous: only that a wake comes at all matters.
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(
                wakes.0.load(Ordering::SeqCst),
                tick,
                "woken for tick {tick}"
            );
            assert!(every.poll_drive(&mut cx, &snapshot).is_ready());
        }
    }
}
