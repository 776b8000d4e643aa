//! One delivery policy for every HTTP client incasso has: the accounting-API connectors and the
//! agency exporter. Vector's sinks are the model: build the request, send it, classify the
//! answer with [`classify`], and either acknowledge it, wait [`RetryPolicy::wait`] and send
//! again, or stop.
//!
//! The table, in one place:
//!
//! | answer                                   | class                 |
//! |------------------------------------------|-----------------------|
//! | no answer: connection error, timeout     | [`Class::Retry`]      |
//! | 2xx, 304                                 | [`Class::Done`]       |
//! | 408, 429, 5xx                            | [`Class::Retry`] (Retry-After honoured) |
//! | 400, 409, 413, 422 (the body was judged) | [`Class::Final`]      |
//! | 401, 403, and any other 4xx              | [`Class::NotJudged`]  |

use std::time::Duration;

use chrono::{DateTime, Utc};

/// What an HTTP answer means for the request that got it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Taken: acknowledge.
    Done,
    /// May pass later: wait and send the same request again.
    Retry,
    /// The server judged the request and refused it: the same body can never pass.
    Final,
    /// Refused before the request was judged (credentials, permissions, a proxy, a wrong
    /// address): nothing about the body is known; fix the cause and send it again.
    NotJudged,
}

/// The class of an HTTP status.
pub fn classify(status: u16) -> Class {
    match status {
        200..=299 | 304 => Class::Done,
        408 | 429 | 500..=599 => Class::Retry,
        400 | 409 | 413 | 422 => Class::Final,
        _ => Class::NotJudged,
    }
}

/// How often and how long to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// First backoff delay; doubles with each attempt.
    pub base_delay: Duration,
    /// Longest backoff.
    pub max_delay: Duration,
    /// Longest wait a server may ask for with Retry-After; a longer one ends the attempts.
    pub max_told: Duration,
}

impl RetryPolicy {
    /// The backoff before attempt `attempt + 1` (attempt counts from 1): exponential, capped,
    /// with jitter over its upper half so that many clients do not come back at once.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        let ms = exp.as_millis().max(1) as u64;
        Duration::from_millis(ms / 2 + fastrand::u64(0..=ms / 2))
    }

    /// How long to wait before the next attempt: what the server told (Retry-After), else the
    /// backoff. `None` when the attempts are used up, or the server asks for longer than
    /// `max_told` (the caller stops and says so).
    pub fn wait(&self, attempt: u32, told: Option<Duration>) -> Option<Duration> {
        if attempt >= self.max_attempts.max(1) {
            return None;
        }
        match told {
            Some(t) if t > self.max_told => None,
            Some(t) => Some(t),
            None => Some(self.backoff(attempt)),
        }
    }
}

/// A `Retry-After` value: seconds, or an HTTP date (a date in the past means now).
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?;
    let ms = (at.timestamp_millis() - now.timestamp_millis()).max(0);
    Some(Duration::from_millis(ms as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table() {
        for s in [200, 201, 204, 304] {
            assert_eq!(classify(s), Class::Done, "{s}");
        }
        for s in [408, 429, 500, 502, 503, 504] {
            assert_eq!(classify(s), Class::Retry, "{s}");
        }
        for s in [400, 409, 413, 422] {
            assert_eq!(classify(s), Class::Final, "{s}");
        }
        for s in [401, 403, 404, 405, 407, 410] {
            assert_eq!(classify(s), Class::NotJudged, "{s}");
        }
    }

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Thu, 03 Dec 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Thu, 03 Dec 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn backoff_doubles_within_its_cap_and_waits_are_bounded() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            max_told: Duration::from_millis(500),
        };
        for _ in 0..200 {
            let first = p.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = p.backoff(3);
            assert!(third >= Duration::from_millis(175) && third <= Duration::from_millis(350));
        }
        assert_eq!(
            p.wait(1, Some(Duration::from_millis(450))),
            Some(Duration::from_millis(450)),
            "a server may ask for more than the backoff's cap"
        );
        assert_eq!(p.wait(1, Some(Duration::from_secs(1))), None);
        assert_eq!(p.wait(5, None), None);
        assert!(p.wait(4, None).is_some());
    }
}
