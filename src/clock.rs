//! Timestamps as the format writes them: RFC 3339, UTC, whole seconds
//! (`2026-11-24T19:13:28Z`).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// The current time in entry format. `CLAIMTRAIL_NOW` (an RFC 3339 UTC
/// time) overrides the clock, for reproducible demos and tests.
///
/// The environment is read once per process, and the string is made once
/// per second per thread: an import asks for the time of every entry.
pub fn now() -> String {
    static FIXED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let fixed = FIXED.get_or_init(|| {
        std::env::var("CLAIMTRAIL_NOW")
            .ok()
            .filter(|f| check_utc(f).is_ok())
    });
    if let Some(fixed) = fixed {
        return fixed.clone();
    }
    thread_local! {
        static LAST: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let t = OffsetDateTime::now_utc();
    let second = t.unix_timestamp();
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != second {
            *last = (second, format_utc(t));
        }
        last.1.clone()
    })
}

/// The current time in seconds since 1970 (a cosignature's timestamp,
/// C2SP tlog-cosignature), by the same clock as [`now`]: `CLAIMTRAIL_NOW`
/// fixes it too.
pub fn now_unix() -> u64 {
    check_utc(&now()).map_or(0, |t| t.unix_timestamp().max(0) as u64)
}

/// Refuses a `CLAIMTRAIL_NOW` that [`now`] would ignore: a reproducible
/// report or demo asked for with a mistyped time must not silently take
/// the clock's.
pub fn check_env() -> Result<(), crate::error::Error> {
    let Some(v) = std::env::var_os("CLAIMTRAIL_NOW") else {
        return Ok(());
    };
    let why = match v.to_str() {
        Some(s) => check_utc(s).err(),
        None => Some("it is not UTF-8 text".to_string()),
    };
    match why {
        None => Ok(()),
        Some(why) => Err(crate::error::Error::invalid(
            format!("CLAIMTRAIL_NOW: {}", crate::text::escape(&why)),
            "set it to a time like 2026-12-01T10:00:00Z, or unset it to use the clock",
        )),
    }
}

/// A Unix time (a cosignature's, C2SP tlog-cosignature) as [`format_utc`]
/// writes times; `None` past what a date can hold.
pub fn format_unix(t: u64) -> Option<String> {
    let t = i64::try_from(t).ok()?;
    OffsetDateTime::from_unix_timestamp(t).ok().map(format_utc)
}

pub fn format_utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let f = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(f).unwrap_or_default()
}

/// Checks an entry time: RFC 3339, UTC (`Z`), whole seconds, in the form
/// [`format_utc`] writes (one spelling per instant).
///
/// The last time accepted is remembered per thread: entries written in the
/// same second share their time, and verify checks every entry's.
pub fn check_utc(s: &str) -> Result<OffsetDateTime, String> {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(String, OffsetDateTime)>> = const { std::cell::RefCell::new(None) };
    }
    let seen = LAST.with(|last| match &*last.borrow() {
        Some((text, t)) if text == s => Some(*t),
        _ => None,
    });
    if let Some(t) = seen {
        return Ok(t);
    }
    let t = check_utc_uncached(s)?;
    LAST.with(|last| *last.borrow_mut() = Some((s.to_string(), t)));
    Ok(t)
}

fn check_utc_uncached(s: &str) -> Result<OffsetDateTime, String> {
    let t = OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| format!("`{s}` is not an RFC 3339 time like 2026-11-24T19:13:28Z"))?;
    if format_utc(t) != s {
        return Err(format!(
            "`{s}` is not in UTC whole-second form like 2026-11-24T19:13:28Z"
        ));
    }
    Ok(t)
}

/// A publication date as a source states it: a day, or an instant.
enum Published {
    Day(Date),
    Instant(OffsetDateTime),
}

/// Reads a publication date: `YYYY-MM-DD` or an RFC 3339 date-time (any
/// offset).
fn published(s: &str) -> Result<Published, String> {
    if let Some(d) = day(s) {
        return Ok(Published::Day(d));
    }
    date_time(s).map(Published::Instant).ok_or_else(|| match no_such_day(s) {
        Some(why) => format!("`{s}` is not a date: {why}"),
        None => format!(
            "`{s}` is not a date: use YYYY-MM-DD (2022-07-22) or RFC 3339 (2022-07-22T09:30:00+03:00)"
        ),
    })
}

/// Why text that begins in the form `YYYY-MM-DD` names no day of the
/// calendar (`2026-02-30`, `2026-13-01`), or `None` when it is not in that
/// form or the day exists: "use YYYY-MM-DD" would not help someone who did.
fn no_such_day(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && b[4..].starts_with(b"-")
        && digits(5..7)
        && b[7..].starts_with(b"-")
        && digits(8..10))
    {
        return None;
    }
    let year: i32 = s[..4].parse().ok()?;
    let month: u8 = s[5..7].parse().ok()?;
    let day: u8 = s[8..10].parse().ok()?;
    let Ok(m) = time::Month::try_from(month) else {
        return Some(format!(
            "there is no month {month:02} (months run from 01 to 12)"
        ));
    };
    let days = m.length(year);
    (day == 0 || day > days).then(|| format!("{m} {year} has {days} days"))
}

/// A `YYYY-MM-DD` day. The `time` crate's `[year]` also reads a signed year
/// (`+2022-07-22`, `-0001-01-01`), which RFC 3339 does not write.
fn day(s: &str) -> Option<Date> {
    let date = format_description!("[year]-[month]-[day]");
    Date::parse(s, date).ok().filter(|_| four_digit_year(s))
}

fn four_digit_year(s: &str) -> bool {
    s.as_bytes()
        .get(..4)
        .is_some_and(|y| y.iter().all(u8::is_ascii_digit))
}

/// An RFC 3339 date-time in any offset. The `time` crate reads any
/// character between the date and the time; RFC 3339 §5.6 has `T`, and its
/// note allows `t` and a space.
fn date_time(s: &str) -> Option<OffsetDateTime> {
    let separator = s.as_bytes().get(10).is_some_and(|b| b"Tt ".contains(b));
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .filter(|_| four_digit_year(s) && separator)
}

/// Checks a publication date as a source states it: `YYYY-MM-DD` or an
/// RFC 3339 date-time (any offset).
pub fn check_published(s: &str) -> Result<(), String> {
    published(s).map(drop)
}

/// Checks a publication date given for a source retrieved at `retrieved`
/// (an entry time): its form, as [`check_published`], and that it is not
/// after the retrieval, which would make it a typo (2062 for 2026). A day
/// of slack: a date alone is the publisher's local date, and a time may
/// come from a clock a little ahead.
///
/// This is a check of what a person or a program gives the command line
/// and `import`, not a rule of the log: verify does not apply it, so a log
/// holding such a date stays valid.
pub fn check_published_by(s: &str, retrieved: &str) -> Result<(), String> {
    let when = published(s)?;
    // One spelling for one instant in the entries signed from now on: RFC
    // 3339 reads `t`, `z` and a space as `T`, `Z` and `T`, which were
    // signed as typed, three spellings of one time (red team).
    if let Published::Instant(_) = when {
        let canonical: String = s
            .char_indices()
            .map(|(i, c)| match c {
                't' | ' ' if i == 10 => 'T',
                'z' => 'Z',
                c => c,
            })
            .collect();
        if canonical != s {
            return Err(format!(
                "`{s}` is written `{canonical}` (T between the date and the time, Z for UTC): give it so, so that one time has one spelling in the log"
            ));
        }
    }
    if s.starts_with("0000") {
        return Err(format!(
            "`{s}` is in the year 0000, which no source was published in (a typo?)"
        ));
    }
    let retrieved = check_utc(retrieved)?;
    let latest = retrieved + time::Duration::days(1);
    let after = match when {
        Published::Day(d) => d > latest.date(),
        Published::Instant(t) => t > latest,
    };
    if after {
        return Err(format!(
            "the publication date `{s}` is more than a day after the source was retrieved ({}): a source cannot be published after it was read (a day is allowed for time zones and clocks)",
            format_utc(retrieved)
        ));
    }
    Ok(())
}

/// What [`period_end`] reads, for a hint.
pub const PERIOD_FORMS: &str = "YYYY-MM-DD (2026-11-30, the whole day in UTC), today, yesterday, an RFC 3339 time (2026-11-30T09:30:00+03:00), or a number of days, hours or weeks ago (7d, 36h, 2w)";

/// One end of a period asked for on the command line (`--since`,
/// `--until`), as an entry time to compare with:
/// - a date `YYYY-MM-DD`, `today` or `yesterday` means the whole day in
///   UTC (its first second for the start, its last for the end);
/// - an RFC 3339 time in any offset means that second in UTC;
/// - `N` days, hours or weeks ago (`7d`, `36h`, `2w`) is that instant,
///   counted back from [`now`] (so `CLAIMTRAIL_NOW` fixes it too).
///
/// Spaces around it are ignored (a shell variable, a pasted date). Entry
/// times are one spelling per instant ([`check_utc`]), so the answer
/// compares with them as text.
pub fn period_end(s: &str, end_of_day: bool) -> Result<String, String> {
    let now = check_utc(&now())?;
    period_end_at(s, end_of_day, now)
}

/// [`period_end`], with "now" given.
fn period_end_at(s: &str, end_of_day: bool, now: OffsetDateTime) -> Result<String, String> {
    let s = s.trim();
    let bad = || match no_such_day(s) {
        Some(why) => format!("`{s}` is not a day of the calendar: {why}"),
        None => format!("`{s}` is not a date or time"),
    };
    let whole_day = match s {
        "today" => Some(now.date()),
        "yesterday" => now.date().previous_day(),
        _ => day(s),
    };
    if let Some(d) = whole_day {
        let t = if end_of_day {
            d.with_hms(23, 59, 59)
        } else {
            d.with_hms(0, 0, 0)
        };
        return t
            .map(|t| format_utc(t.assume_utc()))
            .map_err(|e| e.to_string());
    }
    if let Some((n, unit)) = s
        .strip_suffix('d')
        .map(|n| (n, 86_400))
        .or_else(|| s.strip_suffix('h').map(|n| (n, 3_600)))
        .or_else(|| s.strip_suffix('w').map(|n| (n, 7 * 86_400)))
    {
        if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
            let back = n
                .parse::<i64>()
                .ok()
                .and_then(|n| n.checked_mul(unit))
                .map(time::Duration::seconds)
                .and_then(|d| now.checked_sub(d))
                .ok_or_else(|| format!("`{s}` reaches back before any date this tool can write"))?;
            return Ok(format_utc(back));
        }
        return Err(bad());
    }
    // Entry times are whole seconds: a start within a second begins at
    // the next whole one (an entry of 06:00:57 is before 06:00:57.5, and
    // was listed after it), an end within one ends at that second.
    match date_time(s) {
        Some(t) => {
            let whole = t.replace_nanosecond(0).unwrap_or(t);
            let start = if !end_of_day && t.nanosecond() > 0 {
                whole.checked_add(time::Duration::SECOND).unwrap_or(whole)
            } else {
                whole
            };
            Ok(format_utc(start))
        }
        None => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_end_is_an_entry_time() {
        assert_eq!(
            period_end("2026-11-30", false).unwrap(),
            "2026-11-30T00:00:00Z"
        );
        assert_eq!(
            period_end("2026-11-30", true).unwrap(),
            "2026-11-30T23:59:59Z"
        );
        // Within a second: a start begins at the next whole one, an end
        // ends at that one (entry times are whole seconds).
        assert_eq!(
            period_end("2026-11-30T09:30:00.75+03:00", false).unwrap(),
            "2026-11-30T06:30:01Z"
        );
        assert_eq!(
            period_end("2026-11-30T09:30:00.75+03:00", true).unwrap(),
            "2026-11-30T06:30:00Z"
        );
        assert_eq!(
            period_end("2026-11-30T09:30:00+03:00", false).unwrap(),
            "2026-11-30T06:30:00Z"
        );
        for bad in [
            "2026-11-31",
            "last week",
            "2026-11-30 09:30",
            "",
            "+2026-11-30",
            "2026-11-30X09:30:00Z",
        ] {
            assert!(period_end(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_period_end_can_count_back_from_now() {
        let now = check_utc("2026-12-01T05:30:00Z").unwrap();
        let at = |s: &str, end| period_end_at(s, end, now);
        assert_eq!(at("today", false).unwrap(), "2026-12-01T00:00:00Z");
        assert_eq!(at("today", true).unwrap(), "2026-12-01T23:59:59Z");
        assert_eq!(at("yesterday", false).unwrap(), "2026-11-30T00:00:00Z");
        assert_eq!(at("yesterday", true).unwrap(), "2026-11-30T23:59:59Z");
        assert_eq!(at("7d", false).unwrap(), "2026-11-24T05:30:00Z");
        assert_eq!(at("36h", true).unwrap(), "2026-11-29T17:30:00Z");
        assert_eq!(at("0h", false).unwrap(), "2026-12-01T05:30:00Z");
        assert_eq!(at("2w", false).unwrap(), "2026-11-17T05:30:00Z");
        assert_eq!(at(" 7d\n", false).unwrap(), "2026-11-24T05:30:00Z");
        for bad in ["d", "7", "-7d", "7 d", "7y", "1.5d", "Today", "w"] {
            assert_eq!(
                at(bad, false).unwrap_err(),
                format!("`{}` is not a date or time", bad.trim()),
            );
        }
        // A date in the right form that the calendar lacks says why.
        assert_eq!(
            at("2026-02-29", false).unwrap_err(),
            "`2026-02-29` is not a day of the calendar: February 2026 has 28 days"
        );
        assert!(at("2028-02-29", false).is_ok());
        assert_eq!(
            at("2026-13-01", true).unwrap_err(),
            "`2026-13-01` is not a day of the calendar: there is no month 13 (months run from 01 to 12)"
        );
        assert_eq!(
            at("2026-04-31T10:00:00Z", true).unwrap_err(),
            "`2026-04-31T10:00:00Z` is not a day of the calendar: April 2026 has 30 days"
        );
        assert!(check_published("2022-06-31")
            .unwrap_err()
            .ends_with("is not a date: June 2022 has 30 days"));
        assert!(at("99999999999999d", false)
            .unwrap_err()
            .contains("reaches back"));
    }

    #[test]
    fn entry_times_have_one_spelling() {
        assert!(check_utc("2026-11-24T19:13:28Z").is_ok());
        // Again, as remembered, then a bad time right after a good one.
        assert_eq!(
            check_utc("2026-11-24T19:13:28Z"),
            check_utc_uncached("2026-11-24T19:13:28Z")
        );
        for bad in [
            "2026-11-24T19:13:28+00:00",
            "2026-11-24T19:13:28.5Z",
            "2026-11-24 19:13:28Z",
            "2026-13-01T00:00:00Z",
            "yesterday",
        ] {
            assert!(check_utc("2026-11-24T19:13:28Z").is_ok());
            assert!(check_utc(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn published_dates() {
        assert!(check_published("2022-07-22").is_ok());
        assert!(check_published("2022-07-22T09:30:00+03:00").is_ok());
        assert!(check_published("22/07/2022").is_err());
        assert!(check_published("2022-02-30").is_err());
        assert!(check_published("0000-01-01").is_ok()); // RFC 3339's 4DIGIT
        assert!(check_published("+2022-07-22").is_err());
        assert!(check_published("-0001-07-22").is_err());
        for ok in [
            "2022-07-22t09:30:00z",
            "2022-07-22 09:30:00Z",
            "2022-12-31T23:59:60Z",
        ] {
            assert!(check_published(ok).is_ok(), "{ok}");
        }
        for bad in [
            "2022-07-22X09:30:00Z",
            "2022-07-22\t09:30:00Z",
            "2022-07-22T23:59:60Z",
        ] {
            assert!(check_published(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_source_is_not_published_after_it_is_retrieved() {
        let at = "2026-12-01T08:30:00Z";
        for ok in [
            "2022-07-22",
            "2026-12-01",
            "2026-12-02", // a day ahead: the publisher's local date
            "2026-12-02T08:30:00Z",
            "2026-12-02T10:30:00+02:00",
        ] {
            assert!(check_published_by(ok, at).is_ok(), "{ok}");
        }
        for late in ["2026-12-03", "2062-12-01", "2026-12-02T08:30:01Z"] {
            let e = check_published_by(late, at).unwrap_err();
            assert!(
                e.contains(
                    "is more than a day after the source was retrieved (2026-12-01T08:30:00Z)"
                ),
                "{e}"
            );
        }
        assert!(check_published_by("22/07/2022", at)
            .unwrap_err()
            .contains("is not a date"));
        // What the log holds stays valid (`check_published`), but what is
        // signed from now on has one spelling for one time.
        for (given, canonical) in [
            ("2022-07-22t10:00:00z", "2022-07-22T10:00:00Z"),
            ("2022-07-22 10:00:00Z", "2022-07-22T10:00:00Z"),
            ("2022-07-22T10:00:00z", "2022-07-22T10:00:00Z"),
        ] {
            assert_eq!(
                check_published_by(given, at).unwrap_err(),
                format!("`{given}` is written `{canonical}` (T between the date and the time, Z for UTC): give it so, so that one time has one spelling in the log")
            );
        }
        assert!(check_published_by("0000-01-01", at)
            .unwrap_err()
            .contains("year 0000"));
    }
}
