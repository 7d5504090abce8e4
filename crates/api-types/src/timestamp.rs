//! Timestamps written the way chrono writes them (RFC 3339, `Z`, fractional seconds only when
//! present, in groups of three digits), but formatted once into a stack buffer: chrono's own
//! `Serialize` goes through `Display`, which serde_json escapes character by character — a page of
//! fifty entries formats two hundred timestamps, and that was ~8% of the server's CPU on an
//! uncached page.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde::Serializer;

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, the longest form written here.
const LONGEST: usize = 30;

pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buffer = [0u8; LONGEST];
    match write_rfc3339(at, &mut buffer) {
        Some(text) => serializer.serialize_str(text),
        // Years outside 0..=9999 and leap seconds: rare enough for chrono to write them.
        None => serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
    }
}

/// For `Option<DateTime<Utc>>` fields.
pub mod option {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }
}

fn write_rfc3339<'b>(at: &DateTime<Utc>, buffer: &'b mut [u8; LONGEST]) -> Option<&'b str> {
    let year = u32::try_from(at.year()).ok().filter(|year| *year <= 9999)?;
    let nanos = at.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let mut out = Out { buffer, len: 0 };
    out.digits(year, 4);
    out.byte(b'-');
    out.digits(at.month(), 2);
    out.byte(b'-');
    out.digits(at.day(), 2);
    out.byte(b'T');
    out.digits(at.hour(), 2);
    out.byte(b':');
    out.digits(at.minute(), 2);
    out.byte(b':');
    out.digits(at.second(), 2);
    match nanos {
        0 => {}
        n if n % 1_000_000 == 0 => out.fraction(n / 1_000_000, 3),
        n if n % 1_000 == 0 => out.fraction(n / 1_000, 6),
        n => out.fraction(n, 9),
    }
    out.byte(b'Z');
    let Out { buffer, len } = out;
    std::str::from_utf8(&buffer[..len]).ok()
}

struct Out<'b> {
    buffer: &'b mut [u8; LONGEST],
    len: usize,
}

impl Out<'_> {
    fn byte(&mut self, byte: u8) {
        self.buffer[self.len] = byte;
        self.len += 1;
    }

    fn digits(&mut self, value: u32, count: u32) {
        for place in (0..count).rev() {
            self.byte(b'0' + (value / 10u32.pow(place) % 10) as u8);
        }
    }

    fn fraction(&mut self, value: u32, count: u32) {
        self.byte(b'.');
        self.digits(value, count);
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    #[derive(serde::Serialize)]
    struct Ours(#[serde(serialize_with = "serialize")] DateTime<Utc>);

    fn chrono_writes(at: DateTime<Utc>) -> String {
        serde_json::to_string(&at).unwrap()
    }

    #[test]
    fn whole_seconds_and_each_fraction_length_read_as_chrono_writes_them() {
        let second = Utc.with_ymd_and_hms(2026, 12, 4, 9, 5, 7).unwrap();
        for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 1, 999_999_999] {
            let at = second + chrono::Duration::nanoseconds(nanos);
            assert_eq!(serde_json::to_string(&Ours(at)).unwrap(), chrono_writes(at));
        }
        assert_eq!(
            serde_json::to_string(&Ours(second)).unwrap(),
            "\"2026-12-04T09:05:07Z\""
        );
    }

    #[test]
    fn years_beyond_four_digits_and_leap_seconds_fall_back_to_chrono() {
        let leap_second = DateTime::<Utc>::from_timestamp(1_483_228_799, 1_500_000_000).unwrap();
        for at in [
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            leap_second,
        ] {
            assert_eq!(serde_json::to_string(&Ours(at)).unwrap(), chrono_writes(at));
        }
    }

    proptest! {
        #[test]
        fn any_moment_reads_as_chrono_writes_it(seconds in -70_000_000_000i64..260_000_000_000, nanos in 0u32..1_000_000_000) {
            let at = DateTime::<Utc>::from_timestamp(seconds, nanos).unwrap();
            prop_assert_eq!(serde_json::to_string(&Ours(at)).unwrap(), chrono_writes(at));
        }
    }
}
