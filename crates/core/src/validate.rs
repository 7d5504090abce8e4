//! Field rules shared by the services. Each returns the cleaned value or a field error.

use crate::error::CoreError;

/// 1..=max characters, not all white space, no control characters; stored trimmed. The
/// document states the same rule (`stint_api_types::schema::name`).
pub fn name(field: &str, value: &str, max: usize) -> Result<String, CoreError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(CoreError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(CoreError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// Free text up to `max` characters (may be empty).
pub fn text(field: &str, value: &str, max: usize) -> Result<String, CoreError> {
    if value.chars().count() > max {
        return Err(CoreError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

pub fn password(field: &str, value: &str) -> Result<(), CoreError> {
    let length = value.chars().count();
    if length < 8 {
        return Err(CoreError::invalid(field, "must be at least 8 characters"));
    }
    if length > 1024 {
        return Err(CoreError::invalid(field, "must be at most 1024 characters"));
    }
    Ok(())
}

/// An IANA time zone name such as `Europe/Berlin`.
pub fn timezone(field: &str, value: &str) -> Result<String, CoreError> {
    value
        .trim()
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            CoreError::invalid(
                field,
                format!(
                    "`{}` is not an IANA time zone such as Europe/Berlin",
                    clip(value)
                ),
            )
        })
}

/// `#rrggbb`.
pub fn color(field: &str, value: &str) -> Result<String, CoreError> {
    let ok = value.len() == 7
        && value.starts_with('#')
        && value[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(CoreError::invalid(field, "must look like #1a2b3c"))
    }
}

pub fn page_limit(limit: Option<u32>) -> Result<u64, CoreError> {
    use stint_api_types::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
    match limit {
        None => Ok(u64::from(DEFAULT_PAGE_SIZE)),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(u64::from(n)),
        Some(_) => Err(CoreError::invalid(
            "limit",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        )),
    }
}

fn clip(value: &str) -> String {
    value.chars().take(64).collect()
}

/// The earliest and latest moments Stint stores: every database it runs on holds them, and any
/// arithmetic on them stays far from the limits of the integers behind them.
pub const EARLIEST: &str = "1970-01-01T00:00:00Z";
pub const LATEST: &str = "9999-12-31T23:59:59Z";

/// A moment between `EARLIEST` and `LATEST`.
pub fn moment(
    field: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, CoreError> {
    let earliest = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let latest = chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc())
        .unwrap_or(earliest);
    if (earliest..=latest).contains(&at) {
        Ok(at)
    } else {
        Err(CoreError::invalid(
            field,
            format!("must be between {EARLIEST} and {LATEST}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("n", "  Acme ", 10).ok().as_deref(), Some("Acme"));
        assert!(name("n", "   ", 10).is_err());
        assert!(name("n", "abcdefghijk", 10).is_err());
        assert!(name("n", "a\u{0}b", 10).is_err());
        assert!(name("n", "\tAcme", 10).is_err());
    }

    proptest::proptest! {
        /// What the document says of a name (its pattern and length) is what `name` accepts.
        #[test]
        fn the_documented_name_rule_is_the_rule(
            chars in proptest::collection::vec(
                proptest::sample::select(vec![
                    'a', 'Z', '7', ' ', '\t', '\n', '\u{0}', '\u{1f}', '\u{7f}', '\u{85}', '\u{9f}',
                    '\u{a0}', '\u{2003}', '\u{3000}', '\u{feff}', '\u{200b}', 'é', '日',
                ]),
                0..8,
            )
        ) {
            let value: String = chars.into_iter().collect();
            let pattern = regex::Regex::new(stint_api_types::schema::NAME_PATTERN).unwrap();
            let documented = pattern.is_match(&value) && value.chars().count() <= 5;
            proptest::prop_assert_eq!(name("n", &value, 5).is_ok(), documented, "{:?}", value);
        }
    }

    #[test]
    fn timezones_are_iana() {
        assert_eq!(
            timezone("tz", "Europe/Berlin").ok().as_deref(),
            Some("Europe/Berlin")
        );
        assert!(timezone("tz", "Mars/Olympus").is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(page_limit(None).ok(), Some(50));
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(201)).is_err());
    }
}
