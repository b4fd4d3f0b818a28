//! Times on the command line: a parameter whose spec unit is milliseconds since the epoch also
//! takes an RFC 3339 time, converted exactly to those milliseconds before the SDK sees it.

use dbs_api::ParamMeta;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The words the registry gives the spec unit `ms-since-epoch` ([`ParamMeta::unit`]).
const MS_SINCE_EPOCH_WORDS: &str = "milliseconds since the Unix epoch, UTC";

/// Whether `param` is a time in milliseconds since the epoch, by its spec unit.
pub(crate) fn is_epoch_millis(param: &ParamMeta) -> bool {
    param.unit() == Some(MS_SINCE_EPOCH_WORDS)
}

/// The placeholder of such a flag's value.
pub(crate) const VALUE_NAME: &str = "MS|RFC3339";

/// What such a flag takes, for its help.
pub(crate) const HELP: &str = "Also takes an RFC 3339 time (2026-11-30T08:00:00Z, \
     2026-11-30T16:00:00+08:00), converted exactly to milliseconds since the epoch; a time \
     finer than a millisecond is refused.";

/// Reads a time flag: an integer (milliseconds since the epoch, passed on as typed for the
/// SDK to check) or an RFC 3339 time, as milliseconds. The error names both forms.
pub(crate) fn parse(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix('-').unwrap_or(trimmed);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(trimmed.to_owned());
    }
    let both = "give milliseconds since the Unix epoch (1796025600000) or an RFC 3339 time \
                (2026-11-30T08:00:00Z, 2026-11-30T16:00:00+08:00)";
    let time = OffsetDateTime::parse(trimmed, &Rfc3339)
        .map_err(|e| format!("{text:?} is not a time ({e}): {both}"))?;
    let nanos = time.unix_timestamp_nanos();
    if nanos % 1_000_000 != 0 {
        return Err(format!(
            "{text:?} is finer than a millisecond, which the API cannot take: {both}"
        ));
    }
    Ok((nanos / 1_000_000).to_string())
}

/// `ms` (milliseconds since the epoch) as an RFC 3339 time in UTC, for messages; the number
/// itself when it is out of range.
pub(crate) fn format(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_becomes_exact_milliseconds() {
        // 2026-11-30T08:00:00Z is 1796025600 s after the epoch (20787 days of 86400 s, + 8 h).
        assert_eq!(20_787 * 86_400 + 8 * 3600, 1_796_025_600);
        let ok = |t: &str| parse(t).expect(t);
        assert_eq!(ok("2026-11-30T08:00:00Z"), "1796025600000");
        assert_eq!(ok("2026-11-30T16:00:00+08:00"), "1796025600000");
        assert_eq!(ok("2026-11-30T03:30:00-04:30"), "1796025600000");
        assert_eq!(ok("2026-11-30t08:00:00.123z"), "1796025600123");
        assert_eq!(ok("1970-01-01T00:00:00Z"), "0");
        // Milliseconds pass as typed (the SDK checks the range).
        assert_eq!(ok("1796025600000"), "1796025600000");
        assert_eq!(ok(" 42 "), "42");
        assert_eq!(ok("-1"), "-1");
    }

    #[test]
    fn a_bad_time_names_both_forms() {
        for bad in [
            "",
            "yesterday",
            "2026-11-30",
            "2026-11-30T08:00:00",
            "2026-13-01T00:00:00Z",
            "1.5",
            "2026-11-30T08:00:00.0001Z",
        ] {
            let error = parse(bad).expect_err(bad);
            assert!(
                error.contains("milliseconds since the Unix epoch") && error.contains("RFC 3339"),
                "{bad:?}: {error}"
            );
        }
    }

    #[test]
    fn milliseconds_print_as_rfc3339() {
        assert_eq!(format(1_796_025_600_000), "2026-11-30T08:00:00Z");
        assert_eq!(format(1_796_025_600_123), "2026-11-30T08:00:00.123Z");
    }

    #[test]
    fn the_unit_is_found_by_its_spec_words() {
        let param = |op: &str, name: &str| {
            dbs_api::operation(op)
                .expect("operation")
                .params
                .iter()
                .find(|p| p.name() == name)
                .expect("parameter")
        };
        assert!(is_epoch_millis(param("CreateRestoreTask", "RestoreTime")));
        assert!(is_epoch_millis(param(
            "DescribeRestoreRangeInfo",
            "BeginTimestampForRestore"
        )));
        assert!(!is_epoch_millis(param(
            "CreateRestoreTask",
            "DestinationEndpointPort"
        )));
        assert!(!is_epoch_millis(param("CreateRestoreTask", "BackupPlanId")));
    }
}
