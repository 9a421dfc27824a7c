//! How long boards hold presence changes before sending them (see `room::Room::schedule_presence`
//! and `board::room_state`): `WB_PRESENCE_FLUSH_MS` while the server keeps up, longer while it
//! falls behind, so that under load cursors move less often and document changes keep their
//! latency. Presence is the bulk of a busy server's frames (every move of every cursor goes to
//! everyone on the board) and only its latest state matters; a document change must arrive.
//!
//! Falling behind is read from the runtime itself: a timer of [`TICK`] that fires late waited
//! behind other tasks in the run queue, as every room and connection does then. Every
//! [`PERIOD`] ticks (half a second), their mean lateness decides: past [`LATE`] the window
//! grows by half, up to [`MAX_WINDOW`]; under [`CALM`] it halves, back to the configured one.
//! A mean, because single late ticks come and go on a server with time to spare (measured on
//! 10,000 idle connections on one thread at 45 % of a core: a mean of 1–2 ms, single ticks up
//! to 36 ms; saturated, means of 25–77 ms).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};

/// How often the runtime's lateness is read.
pub const TICK: Duration = Duration::from_millis(20);
/// Ticks averaged before the window changes.
pub const PERIOD: u32 = 25;
/// Mean lateness past which the server is falling behind.
pub const LATE: Duration = Duration::from_millis(10);
/// Mean lateness under which it keeps up.
pub const CALM: Duration = Duration::from_millis(5);
/// The longest presence is held: cursors still move once a second at the worst.
pub const MAX_WINDOW: Duration = Duration::from_millis(1_000);

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

    /// Adjusts the window to the mean lateness of one period.
    pub fn observe(&self, mean_late: Duration) {
        if self.base_ms == 0 {
            return;
        }
        let now = self.window_ms.load(Ordering::Relaxed);
        let next = if mean_late > LATE {
            (now + now / 2).min(MAX_WINDOW.as_millis() as u64)
        } else if mean_late < CALM {
            (now / 2).max(self.base_ms)
        } else {
            now
        };
        self.window_ms.store(next, Ordering::Relaxed);
    }

    /// Reads the runtime's lateness every [`TICK`], for as long as the task runs.
    pub async fn watch(&self) {
        let mut timer = tokio::time::interval(TICK);
        timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let (mut ticks, mut late) = (0, Duration::ZERO);
        loop {
            let due = timer.tick().await;
            late += Instant::now().saturating_duration_since(due);
            ticks += 1;
            if ticks == PERIOD {
                self.observe(late / PERIOD);
                (ticks, late) = (0, Duration::ZERO);
            }
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
        pace.observe(7 * MS);
        assert_eq!(pace.window(), 50 * MS, "between calm and late: unchanged");
        pace.observe(20 * MS);
        assert_eq!(pace.window(), 75 * MS);
        for _ in 0..20 {
            pace.observe(20 * MS);
        }
        assert_eq!(pace.window(), MAX_WINDOW);
        pace.observe(MS);
        assert_eq!(pace.window(), MAX_WINDOW / 2);
        for _ in 0..10 {
            pace.observe(MS);
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
