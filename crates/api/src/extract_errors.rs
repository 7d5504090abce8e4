//! Turns actix's extractor failures (JSON body, query string, path) into problem documents.

use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::web::{JsonConfig, PathConfig, QueryConfig};
use actix_web::{Error, HttpRequest};
use stint_api_types::ErrorCode;

use crate::error::ApiError;

pub fn json_config(limit: usize) -> JsonConfig {
    JsonConfig::default().limit(limit).error_handler(json_error)
}

pub fn query_config() -> QueryConfig {
    QueryConfig::default().error_handler(query_error)
}

pub fn path_config() -> PathConfig {
    PathConfig::default().error_handler(path_error)
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::request(
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than {limit} bytes"),
        ),
        JsonPayloadError::ContentType => ApiError::request(
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON with `Content-Type: application/json`",
        ),
        JsonPayloadError::Deserialize(inner) if inner.is_data() => ApiError::request(
            ErrorCode::ValidationFailed,
            format!("invalid request body: {inner}"),
        ),
        JsonPayloadError::Deserialize(inner) => ApiError::request(
            ErrorCode::MalformedRequest,
            format!("the body is not valid JSON: {inner}"),
        ),
        JsonPayloadError::Payload(PayloadError::Overflow) => {
            ApiError::request(ErrorCode::PayloadTooLarge, "the body is too large")
        }
        _ => ApiError::request(
            ErrorCode::MalformedRequest,
            "the request body could not be read",
        ),
    };
    api.into()
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> Error {
    let detail = match &err {
        QueryPayloadError::Deserialize(inner) => format!("invalid query string: {inner}"),
        _ => "invalid query string".to_owned(),
    };
    ApiError::request(ErrorCode::ValidationFailed, detail).into()
}

fn path_error(err: PathError, _req: &HttpRequest) -> Error {
    let detail = match &err {
        PathError::Deserialize(inner) => format!("invalid path: {inner}"),
        _ => "invalid path".to_owned(),
    };
    ApiError::request(ErrorCode::ValidationFailed, detail).into()
}
