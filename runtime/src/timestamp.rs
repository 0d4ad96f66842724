//! [`Timestamp`]: a UTC instant with nanosecond precision, the IDL's `timestamp` on every protocol:
//! RFC 3339 in JSON, `dateTime.iso8601` in XML-RPC, `google.protobuf.Timestamp` in gRPC.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const NANOS_PER_SEC: u32 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;
/// Seconds from the Unix epoch to 0000-01-01T00:00:00Z.
const MIN_SECS: i64 = -62_167_219_200;
/// Seconds from the Unix epoch to 9999-12-31T23:59:59Z.
const MAX_SECS: i64 = 253_402_300_799;

/// A point in time in UTC, with nanosecond precision, between years 0000 and 9999.
///
/// XML-RPC's `<dateTime.iso8601>` has four year digits and no zone, so the range is a type
/// invariant: every `Timestamp` can be encoded. The wire form written is
/// `YYYYMMDDTHH:MM:SS` (what Python's `xmlrpc.client` writes and reads); sub-second digits are
/// not written because Python's parser rejects them, so they do not survive the wire.
///
/// Parsing accepts Python's form, the extended form (`2024-01-02T03:04:05`), fractional seconds,
/// and a zone (`Z`, `+01:00`, `-0530`, `+01`); a time with no zone is taken as UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

/// Why a string or a number is not a [`Timestamp`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    message: String,
}

impl TimestampError {
    fn new(message: impl Into<String>) -> Self {
        TimestampError {
            message: message.into(),
        }
    }
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TimestampError {}

impl Timestamp {
    /// 0000-01-01T00:00:00Z, the earliest representable instant.
    pub const MIN: Timestamp = Timestamp {
        secs: MIN_SECS,
        nanos: 0,
    };
    /// 9999-12-31T23:59:59.999999999Z, the latest representable instant.
    pub const MAX: Timestamp = Timestamp {
        secs: MAX_SECS,
        nanos: NANOS_PER_SEC - 1,
    };
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp { secs: 0, nanos: 0 };

    /// The instant `secs` seconds and `nanos` nanoseconds after the Unix epoch; `None` when
    /// `nanos` is not below one second or the instant is outside years 0000–9999.
    pub fn from_unix(secs: i64, nanos: u32) -> Option<Self> {
        if nanos >= NANOS_PER_SEC || !(MIN_SECS..=MAX_SECS).contains(&secs) {
            return None;
        }
        Some(Timestamp { secs, nanos })
    }

    /// The instant at the given UTC calendar date and time; `None` if any part is out of range.
    pub fn from_ymd_hms(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<Self> {
        if !(0..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = days_from_civil(i64::from(year), month, day);
        let secs = days * SECS_PER_DAY
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second);
        Timestamp::from_unix(secs, 0)
    }

    /// The same instant with its sub-second part replaced; `None` if `nanos` is not below one
    /// second.
    pub fn with_nanos(self, nanos: u32) -> Option<Self> {
        Timestamp::from_unix(self.secs, nanos)
    }

    /// Whole seconds since the Unix epoch (negative before 1970).
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// The nanoseconds past [`unix_seconds`](Self::unix_seconds), below one billion.
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// The UTC calendar date: (year, month 1–12, day 1–31).
    pub fn date(&self) -> (i32, u32, u32) {
        let (y, m, d) = civil_from_days(self.secs.div_euclid(SECS_PER_DAY));
        // The type invariant keeps the year within 0..=9999, so the cast is lossless.
        (y as i32, m, d)
    }

    /// The UTC time of day: (hour, minute, second).
    pub fn time(&self) -> (u32, u32, u32) {
        let s = self.secs.rem_euclid(SECS_PER_DAY) as u32;
        (s / 3600, s / 60 % 60, s % 60)
    }

    /// Parses an ISO 8601 date-time in any of the forms listed on [`Timestamp`].
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        parse_iso8601(text.trim().as_bytes())
            .ok_or_else(|| TimestampError::new(format!("invalid ISO 8601 date-time {text:?}")))
    }

    /// Appends the XML-RPC wire form, `YYYYMMDDTHH:MM:SS`, to `out`.
    pub fn write_xmlrpc(&self, out: &mut Vec<u8>) {
        let (y, mo, d) = self.date();
        let (h, mi, s) = self.time();
        push_digits(out, y as u32, 4);
        push_digits(out, mo, 2);
        push_digits(out, d, 2);
        out.push(b'T');
        push_digits(out, h, 2);
        out.push(b':');
        push_digits(out, mi, 2);
        out.push(b':');
        push_digits(out, s, 2);
    }

    /// The XML-RPC wire form, `YYYYMMDDTHH:MM:SS` (sub-seconds dropped).
    pub fn to_xmlrpc_string(&self) -> String {
        let mut out = Vec::with_capacity(17);
        self.write_xmlrpc(&mut out);
        // Only ASCII digits, `T` and `:` were written.
        String::from_utf8_lossy(&out).into_owned()
    }

    /// RFC 3339 form, `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z`.
    pub fn to_rfc3339(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC; the fraction is shown only when non-zero, without trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d) = self.date();
        let (h, mi, s) = self.time();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> SystemTime {
        if t.secs >= 0 {
            UNIX_EPOCH + Duration::new(t.secs.unsigned_abs(), t.nanos)
        } else {
            UNIX_EPOCH - Duration::from_secs(t.secs.unsigned_abs())
                + Duration::from_nanos(u64::from(t.nanos))
        }
    }
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = TimestampError;

    fn try_from(t: SystemTime) -> Result<Self, Self::Error> {
        let out_of_range = || TimestampError::new("time outside years 0000-9999");
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => {
                let secs = i64::try_from(d.as_secs()).map_err(|_| out_of_range())?;
                Timestamp::from_unix(secs, d.subsec_nanos()).ok_or_else(out_of_range)
            }
            Err(e) => {
                let d = e.duration();
                let mut secs = -i64::try_from(d.as_secs()).map_err(|_| out_of_range())?;
                let mut nanos = d.subsec_nanos();
                if nanos > 0 {
                    secs -= 1;
                    nanos = NANOS_PER_SEC - nanos;
                }
                Timestamp::from_unix(secs, nanos).ok_or_else(out_of_range)
            }
        }
    }
}

fn push_digits(out: &mut Vec<u8>, mut n: u32, width: usize) {
    let start = out.len();
    for _ in 0..width {
        out.push(b'0' + (n % 10) as u8);
        n /= 10;
    }
    out[start..].reverse();
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A cursor over ASCII bytes for the date-time grammar.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn digits(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let c = self.peek()?;
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
            self.i += 1;
        }
        Some(v)
    }
}

fn parse_iso8601(s: &[u8]) -> Option<Timestamp> {
    let mut c = Cursor { s, i: 0 };
    let year = c.digits(4)?;
    let extended = c.eat(b'-');
    let month = c.digits(2)?;
    if extended && !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let hour = c.digits(2)?;
    let colons = c.eat(b':');
    let minute = c.digits(2)?;
    if colons && !c.eat(b':') {
        return None;
    }
    let second = c.digits(2)?;
    let mut nanos = 0u32;
    if c.eat(b'.') || c.eat(b',') {
        let mut scale = NANOS_PER_SEC / 10;
        let start = c.i;
        while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
            nanos += u32::from(d - b'0') * scale;
            scale /= 10;
            c.i += 1;
        }
        if c.i == start {
            return None;
        }
    }
    let mut offset_secs = 0i64;
    match c.peek() {
        None => {}
        Some(b'Z' | b'z') => c.i += 1,
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let oh = c.digits(2)?;
            // Minutes are optional (`+01`), with or without a colon (`+01:00`, `+0100`).
            let om = if c.eat(b':') || c.peek().is_some() {
                c.digits(2)?
            } else {
                0
            };
            if oh > 23 || om > 59 {
                return None;
            }
            offset_secs = i64::from(oh * 3600 + om * 60);
            if sign == b'-' {
                offset_secs = -offset_secs;
            }
        }
        Some(_) => return None,
    }
    if c.i != s.len() {
        return None;
    }
    let local = Timestamp::from_ymd_hms(year as i32, month, day, hour, minute, second)?;
    // Local time = UTC + offset, so UTC = local - offset.
    Timestamp::from_unix(local.secs - offset_secs, nanos)
}

impl Default for Timestamp {
    /// The Unix epoch.
    fn default() -> Self {
        Timestamp::UNIX_EPOCH
    }
}

impl Timestamp {
    /// The current time (clamped to year 9999).
    pub fn now() -> Self {
        Timestamp::try_from(SystemTime::now()).unwrap_or(Timestamp::MAX)
    }
}

impl serde::Serialize for Timestamp {
    /// RFC 3339 in UTC (`2024-01-02T03:04:05Z`), as the proto3 JSON mapping writes it.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    /// Any form [`Timestamp::parse`] accepts.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_the_whole_range() {
        let mut day = MIN_SECS / SECS_PER_DAY;
        while day <= MAX_SECS / SECS_PER_DAY {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
            day += 17;
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(MIN_SECS / SECS_PER_DAY), (0, 1, 1));
        assert_eq!(civil_from_days(MAX_SECS / SECS_PER_DAY), (9999, 12, 31));
    }

    #[test]
    fn parses_every_accepted_form() {
        let want = Timestamp::from_ymd_hms(2024, 1, 2, 3, 4, 5).unwrap();
        for s in [
            "20240102T03:04:05",
            "20240102T030405",
            "2024-01-02T03:04:05",
            "2024-01-02T03:04:05Z",
            "2024-01-02t03:04:05z",
            "2024-01-02 03:04:05",
            " 20240102T03:04:05\n",
            "2024-01-02T04:04:05+01:00",
            "2024-01-02T04:04:05+0100",
            "2024-01-02T04:04:05+01",
            "2024-01-01T21:34:05-05:30",
        ] {
            assert_eq!(Timestamp::parse(s), Ok(want), "{s}");
        }
        let frac = Timestamp::parse("2024-01-02T03:04:05.123456789123Z").unwrap();
        assert_eq!(frac, want.with_nanos(123_456_789).unwrap());
        assert_eq!(frac.to_string(), "2024-01-02T03:04:05.123456789Z");
        assert_eq!(
            Timestamp::parse("20240102T03:04:05,5")
                .unwrap()
                .subsec_nanos(),
            500_000_000
        );
    }

    #[test]
    fn rejects_malformed_and_out_of_range() {
        for s in [
            "",
            "2024",
            "20240102",
            "20240102T03:04",
            "2024-0102T03:04:05",
            "20240102T03:0405",
            "20241302T03:04:05",
            "20240230T03:04:05",
            "20230229T03:04:05",
            "20240102T24:00:00",
            "20240102T23:60:00",
            "20240102T23:59:60",
            "20240102T03:04:05.",
            "20240102T03:04:05+",
            "20240102T03:04:05+1",
            "20240102T03:04:05+25:00",
            "20240102T03:04:05 junk",
            "0000-01-01T00:00:00+00:01",
            "9999-12-31T23:59:59-00:01",
            "２０２４0102T03:04:05",
        ] {
            assert!(Timestamp::parse(s).is_err(), "{s}");
        }
        assert!(Timestamp::parse("20240229T03:04:05").is_ok());
        assert_eq!(Timestamp::parse("0000-01-01T00:00:00Z"), Ok(Timestamp::MIN));
        assert_eq!(
            Timestamp::parse("9999-12-31T23:59:59.999999999Z"),
            Ok(Timestamp::MAX)
        );
    }

    #[test]
    fn formats_the_python_wire_form() {
        let t = Timestamp::from_ymd_hms(2024, 1, 2, 3, 4, 5)
            .unwrap()
            .with_nanos(7)
            .unwrap();
        assert_eq!(t.to_xmlrpc_string(), "20240102T03:04:05");
        assert_eq!(Timestamp::MIN.to_xmlrpc_string(), "00000101T00:00:00");
        assert_eq!(Timestamp::MAX.to_xmlrpc_string(), "99991231T23:59:59");
        assert_eq!(Timestamp::UNIX_EPOCH.to_rfc3339(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn system_time_both_ways() {
        for (secs, nanos) in [(0, 0), (1_700_000_000, 5), (-1, 999_999_999), (-86_401, 1)] {
            let t = Timestamp::from_unix(secs, nanos).unwrap();
            let st: SystemTime = t.into();
            assert_eq!(Timestamp::try_from(st), Ok(t));
        }
        assert!(Timestamp::from_unix(MAX_SECS + 1, 0).is_none());
        assert!(Timestamp::from_unix(0, NANOS_PER_SEC).is_none());
    }
}
