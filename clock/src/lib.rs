//! The time every time-dependent rule reads: the write quota's minute and day, the
//! key fetch's rate limit, the local hosted UI's locks and sessions.
//!
//! In production it is the system clock. Tests hold a manual one and move it
//! themselves, so a rule about "one second" or "this minute" is checked exactly, never
//! raced against how busy the machine is.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

/// The system clock, or a manual one that only moves when told.
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<Manual>>);

#[derive(Debug)]
struct Manual {
    start: Instant,
    start_utc: OffsetDateTime,
    elapsed: Mutex<Duration>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock standing at `at` until [`Clock::advance`] moves it.
    pub fn manual(at: OffsetDateTime) -> Self {
        Self(Some(Arc::new(Manual {
            start: Instant::now(),
            start_utc: at,
            elapsed: Mutex::new(Duration::ZERO),
        })))
    }

    /// Moves a manual clock forward (every copy of it); the system clock moves itself
    /// and ignores this.
    pub fn advance(&self, by: Duration) {
        if let Some(manual) = &self.0
            && let Ok(mut elapsed) = manual.elapsed.lock()
        {
            *elapsed += by;
        }
    }

    fn elapsed(manual: &Manual) -> Duration {
        manual.elapsed.lock().map(|e| *e).unwrap_or_default()
    }

    /// Now, for measuring intervals.
    pub fn now(&self) -> Instant {
        match &self.0 {
            None => Instant::now(),
            Some(manual) => manual.start + Self::elapsed(manual),
        }
    }

    /// Now, in UTC, for dates and calendar windows.
    pub fn now_utc(&self) -> OffsetDateTime {
        match &self.0 {
            None => OffsetDateTime::now_utc(),
            Some(manual) => manual.start_utc + Self::elapsed(manual),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_every_copy_with_it() {
        let start = time::macros::datetime!(2026-12-31 23:59:59 UTC);
        let clock = Clock::manual(start);
        let copy = clock.clone();
        let (instant, utc) = (clock.now(), clock.now_utc());
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!((clock.now(), clock.now_utc()), (instant, utc));
        copy.advance(Duration::from_secs(2));
        assert_eq!(clock.now() - instant, Duration::from_secs(2));
        assert_eq!(
            clock.now_utc(),
            time::macros::datetime!(2027-01-01 00:00:01 UTC)
        );
    }

    #[test]
    fn the_system_clock_moves_by_itself() {
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        std::thread::sleep(Duration::from_millis(2));
        let after = clock.now();
        assert!(after > before && after - before < Duration::from_secs(3600));
    }
}
