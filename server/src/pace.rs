//! How long boards hold presence changes before sending them (see `room::Room::schedule_presence`
//! and `board::room_state`): `WB_PRESENCE_FLUSH_MS` while the server keeps up, longer while it
//! falls behind, so that under load cursors move less often and document changes keep their
//! latency. Presence is the bulk of a busy server's frames (every move of every cursor goes to
//! everyone on the board) and only its latest state matters; a document change must arrive.
//!
//! Falling behind is read from the runtime itself: a timer of [`TICK`] that fires late waited
//! behind other tasks in the run queue, as every room and connection does then. While it is
//! later than [`LATE`], the window grows by a quarter a tick, up to [`MAX_WINDOW`]; while it is
//! within [`CALM`], the window shrinks by [`STEP_DOWN`] a tick, back to the configured one (from
//! the longest, in about two seconds).
//!
//! Single ticks, on purpose: it errs toward slower cursors. A mean over half a second (grow past
//! 10 ms, shrink under 5 ms) was tried and kept cursors fast until the server was saturated:
//! on one thread, 5,000 connections at 5 updates/s then missed p99 < 100 ms (146 ms, against
//! 55 ms with this rule) and 10,000 idle connections took 0.95 of a core instead of 0.45
//! (bench/README.md, section Load).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};

/// How often the runtime's lateness is read.
pub const TICK: Duration = Duration::from_millis(20);
/// Lateness past which the server is falling behind.
pub const LATE: Duration = Duration::from_millis(5);
/// Lateness under which it keeps up.
pub const CALM: Duration = Duration::from_millis(2);
/// The longest presence is held: cursors still move once a second at the worst.
pub const MAX_WINDOW: Duration = Duration::from_millis(1_000);
/// How much the window shrinks per calm tick.
pub const STEP_DOWN: Duration = Duration::from_millis(10);

/// The presence window now, shared by every room.
#[derive(Debug)]
pub struct PresencePace {
    base_ms: u64,
    window_ms: AtomicU64,
}

impl PresencePace {
    /// A pace starting at (and never under) `base`; a `base` of zero stays zero (presence is
    /// sent at the end of each batch, whatever the load).
    pub fn new(base: Duration) -> Self {
        let base_ms = base.as_millis().min(MAX_WINDOW.as_millis()) as u64;
        Self {
            base_ms,
            window_ms: AtomicU64::new(base_ms),
        }
    }

    pub fn window(&self) -> Duration {
        Duration::from_millis(self.window_ms.load(Ordering::Relaxed))
    }

    /// Adjusts the window to one reading of the runtime's lateness.
    pub fn observe(&self, late: Duration) {
        if self.base_ms == 0 {
            return;
        }
        let now = self.window_ms.load(Ordering::Relaxed);
        let next = if late > LATE {
            (now + now / 4).min(MAX_WINDOW.as_millis() as u64)
        } else if late < CALM {
            now.saturating_sub(STEP_DOWN.as_millis() as u64)
                .max(self.base_ms)
        } else {
            now
        };
        self.window_ms.store(next, Ordering::Relaxed);
    }

    /// Reads the runtime's lateness every [`TICK`], for as long as the task runs.
    pub async fn watch(&self) {
        let mut timer = tokio::time::interval(TICK);
        timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let due = timer.tick().await;
            self.observe(Instant::now().saturating_duration_since(due));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn grows_while_late_up_to_the_cap_and_comes_back_while_calm() {
        let pace = PresencePace::new(50 * MS);
        pace.observe(3 * MS);
        assert_eq!(pace.window(), 50 * MS, "between calm and late: unchanged");
        pace.observe(20 * MS);
        assert_eq!(pace.window(), 62 * MS);
        for _ in 0..40 {
            pace.observe(20 * MS);
        }
        assert_eq!(pace.window(), MAX_WINDOW);
        pace.observe(Duration::ZERO);
        assert_eq!(pace.window(), MAX_WINDOW - STEP_DOWN);
        for _ in 0..200 {
            pace.observe(Duration::ZERO);
        }
        assert_eq!(pace.window(), 50 * MS, "never under the configured window");
    }

    #[test]
    fn a_zero_window_stays_zero() {
        let pace = PresencePace::new(Duration::ZERO);
        pace.observe(100 * MS);
        assert_eq!(pace.window(), Duration::ZERO);
    }
}
