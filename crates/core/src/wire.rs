//! Enumerations are stored under their wire names, so the database and the API say the same.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::CoreError;

/// The wire name of an enumeration value, which is also how it is stored.
pub(crate) fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

pub(crate) fn from_wire_name<T: DeserializeOwned>(stored: &str) -> Result<T, CoreError> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .map_err(|_| CoreError::Internal(format!("stored value `{stored}` is unknown")))
}
