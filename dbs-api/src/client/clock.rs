//! Clock skew: how far the local clock is from the service's, for timestamp refusals, and the
//! HTTP-date of a `Retry-After` header.

use std::fmt;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;

/// Below this, the local clock and the `Date` header agree as well as a whole-second header and
/// a network round trip allow.
const AGREEMENT: time::Duration = time::Duration::seconds(5);

/// How far the local clock is from the service's, for an `InvalidTimeStamp.Expired` or
/// `InvalidTimeStamp.Format` refusal: the service checks the request's timestamp against its own
/// clock (within 15 minutes), so a refusal usually means the local clock is off. Retrying does
/// not help; setting the clock right (NTP) does.
///
/// Measured from the response's `Date` header when there is one, at one-second resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClockSkew {
    /// The local time when the answer arrived (UTC).
    pub local: OffsetDateTime,
    /// The service's time from the response's `Date` header; `None` without a readable one.
    pub server: Option<OffsetDateTime>,
    /// The response had a `Date` header that could not be read as an HTTP-date.
    unreadable_date: bool,
}

impl ClockSkew {
    /// Compares `local` with the `Date` header value, if any (an IMF-fixdate, or one of the
    /// obsolete forms RFC 9110 asks recipients to accept).
    pub(crate) fn measure(date: Option<&str>, local: OffsetDateTime) -> Self {
        let server = date.and_then(http_date);
        Self {
            local,
            server,
            unreadable_date: date.is_some() && server.is_none(),
        }
    }

    /// Server time minus local time: positive when the local clock is behind the server's.
    /// `None` when the response had no readable `Date` header.
    pub fn offset(&self) -> Option<time::Duration> {
        self.server.map(|server| server - self.local)
    }
}

impl fmt::Display for ClockSkew {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset() {
            None => write!(
                f,
                "the service refused the request's timestamp: the local clock is probably off \
                 ({}); set it right, with NTP say",
                if self.unreadable_date {
                    "the response's Date header could not be read to measure it"
                } else {
                    "the response had no Date header to measure it"
                }
            ),
            Some(offset) if offset.abs() < AGREEMENT => f.write_str(
                "the local clock agrees with the server's Date header, so the request's \
                 timestamp went stale on the way (a slow proxy?) or was not the clock's",
            ),
            Some(offset) => write!(
                f,
                "local clock is {} {} the server: set it right, with NTP say",
                span(offset.unsigned_abs()),
                if offset.is_positive() {
                    "behind"
                } else {
                    "ahead of"
                }
            ),
        }
    }
}

/// A span in words, rounded to its largest sensible unit: `40 s`, `27 min`, `3 h 5 min`, `12 days`.
fn span(span: Duration) -> String {
    let secs = span.as_secs();
    let rounded_minutes = (secs + 30) / 60;
    match secs {
        0..90 => format!("{secs} s"),
        90..5_400 => format!("{rounded_minutes} min"),
        5_400..172_800 => format!("{} h {} min", rounded_minutes / 60, rounded_minutes % 60),
        _ => format!("{} days", (secs + 43_200) / 86_400),
    }
}

/// Reads an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7).
pub(crate) fn http_date(text: &str) -> Option<OffsetDateTime> {
    let at = httpdate::parse_http_date(text.trim()).ok()?;
    Some(OffsetDateTime::from(at))
}

/// A `Retry-After` value (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date, read as the wait
/// from `now` (zero when the date has passed).
pub(crate) fn retry_after(text: &str, now: SystemTime) -> Option<Duration> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // An absurdly long number of seconds is still "a long time", not an unreadable header.
        return Some(Duration::from_secs(text.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_naturally() {
        let s = Duration::from_secs;
        assert_eq!(span(s(40)), "40 s");
        assert_eq!(span(s(27 * 60 - 1)), "27 min");
        assert_eq!(span(s(27 * 60 + 20)), "27 min");
        assert_eq!(span(s(3 * 3600 + 5 * 60)), "3 h 5 min");
        assert_eq!(span(s(12 * 86_400)), "12 days");
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        // RFC 9110 §10.2.3's own examples.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Fri, 31 Dec 1999 23:59:59 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means no wait"
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:29:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
        assert_eq!(retry_after("", now), None);
        assert_eq!(
            retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn skew_from_the_date_header() {
        // RFC 9110 §5.6.7's example date.
        let server = OffsetDateTime::from_unix_timestamp(784_111_777).ok();
        let local = server.map(|s| s - time::Duration::minutes(27));
        let skew = local.map(|l| ClockSkew::measure(Some("Sun, 06 Nov 1994 08:49:37 GMT"), l));
        assert_eq!(skew.map(|s| s.server), Some(server));
        assert_eq!(
            skew.and_then(|s| s.offset()),
            Some(time::Duration::minutes(27))
        );
        assert_eq!(
            skew.map(|s| s.to_string()).unwrap_or_default(),
            "local clock is 27 min behind the server: set it right, with NTP say"
        );
        let ahead = server.map(|s| ClockSkew::measure(Some("Sun, 06 Nov 1994 08:19:37 GMT"), s));
        assert!(
            ahead
                .map(|s| s.to_string())
                .is_some_and(|t| t.starts_with("local clock is 30 min ahead of the server")),
            "{ahead:?}"
        );
        // The obsolete RFC 850 and asctime forms are accepted too.
        for form in ["Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
            assert_eq!(http_date(form), server, "{form}");
        }
        let blind = ClockSkew::measure(None, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(blind.offset(), None);
        assert!(blind.to_string().contains("no Date header"));
        // A Date header that is there but is no HTTP-date (RFC 9110 §5.6.7 allows none of
        // these) is said to be unreadable, not missing.
        for date in [
            "yesterday",
            "2026-12-07T02:00:00Z",
            "+0800",
            "Sun, 06 Nov 1994 08:49:60 GMT",
        ] {
            let skew = ClockSkew::measure(Some(date), OffsetDateTime::UNIX_EPOCH);
            assert_eq!(skew.offset(), None, "{date}");
            let text = skew.to_string();
            assert!(
                text.contains("Date header could not be read") && !text.contains("no Date"),
                "{date}: {text}"
            );
        }
    }
}
