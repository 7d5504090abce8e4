//! Opaque page cursors. Lists ordered by id (UUIDv7, so by creation) carry the last id; time
//! entries, ordered by start, carry the last start and id.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use stint_api_types::Page;
use uuid::Uuid;

use crate::error::CoreError;

fn bad_cursor() -> CoreError {
    CoreError::invalid("cursor", "is not a cursor from a previous page")
}

pub fn encode_id(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

pub fn decode_id(raw: &str) -> Result<Uuid, CoreError> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?;
    Uuid::from_slice(&bytes).map_err(|_| bad_cursor())
}

pub fn encode_time_id(at: DateTime<Utc>, id: Uuid) -> String {
    let mut bytes = at.timestamp().to_be_bytes().to_vec();
    bytes.extend_from_slice(id.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn decode_time_id(raw: &str) -> Result<(DateTime<Utc>, Uuid), CoreError> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?;
    if bytes.len() != 24 {
        return Err(bad_cursor());
    }
    let (secs, id) = bytes.split_at(8);
    let secs = i64::from_be_bytes(secs.try_into().map_err(|_| bad_cursor())?);
    let at = DateTime::from_timestamp(secs, 0).ok_or_else(bad_cursor)?;
    Ok((at, Uuid::from_slice(id).map_err(|_| bad_cursor())?))
}

/// Turns `limit + 1` fetched rows into a page: the extra row only says that another page exists.
pub fn page_by_id<M, T>(
    mut rows: Vec<M>,
    limit: u64,
    id: impl Fn(&M) -> Uuid,
    convert: impl Fn(&M) -> Result<T, CoreError>,
) -> Result<Page<T>, CoreError> {
    page_with(&mut rows, limit, |m| encode_id(id(m)), convert)
}

pub fn page_with<M, T>(
    rows: &mut Vec<M>,
    limit: u64,
    cursor_of: impl Fn(&M) -> String,
    convert: impl Fn(&M) -> Result<T, CoreError>,
) -> Result<Page<T>, CoreError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = if more {
        rows.last().map(&cursor_of)
    } else {
        None
    };
    let items = rows.iter().map(convert).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let id = Uuid::now_v7();
        assert_eq!(decode_id(&encode_id(id)).unwrap(), id);
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(decode_time_id(&encode_time_id(at, id)).unwrap(), (at, id));
        for bad in ["", "!!", "AAAA", &encode_id(id)] {
            assert!(decode_time_id(bad).is_err(), "{bad}");
        }
        assert!(decode_id("not base64 !").is_err());
    }
}
