//! The one table of error codes: code → HTTP status → title, and the RFC 9457 problem document.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Stable, machine-readable error codes. Clients branch on these, never on `detail` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request was well-formed JSON but a field is missing, has the wrong type or an invalid value.
    ValidationFailed,
    /// The body is not valid JSON, or the content type is not JSON.
    MalformedRequest,
    NotFound,
    /// No credentials, or credentials that are invalid or expired.
    Unauthorized,
    /// Email and password do not match an active account.
    InvalidCredentials,
    /// A webhook's signature is missing, wrong or too old.
    InvalidSignature,
    /// Authenticated, but the role does not allow this.
    Forbidden,
    /// Authenticated with an API token whose scopes do not allow this.
    InsufficientScope,
    Conflict,
    TimerAlreadyRunning,
    NoTimerRunning,
    PayloadTooLarge,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    MethodNotAllowed,
    RateLimited,
    /// A provider could not be reached or answered with an error.
    ProviderUnavailable,
    ServiceUnavailable,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 18] = [
        ErrorCode::ValidationFailed,
        ErrorCode::MalformedRequest,
        ErrorCode::NotFound,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidCredentials,
        ErrorCode::InvalidSignature,
        ErrorCode::Forbidden,
        ErrorCode::InsufficientScope,
        ErrorCode::Conflict,
        ErrorCode::TimerAlreadyRunning,
        ErrorCode::NoTimerRunning,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RateLimited,
        ErrorCode::ProviderUnavailable,
        ErrorCode::ServiceUnavailable,
        ErrorCode::Internal,
    ];

    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::ValidationFailed | ErrorCode::MalformedRequest => 400,
            ErrorCode::Unauthorized
            | ErrorCode::InvalidCredentials
            | ErrorCode::InvalidSignature => 401,
            ErrorCode::Forbidden | ErrorCode::InsufficientScope => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict | ErrorCode::TimerAlreadyRunning | ErrorCode::NoTimerRunning => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::ProviderUnavailable => 502,
            ErrorCode::ServiceUnavailable => 503,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::MalformedRequest => "malformed_request",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::InvalidSignature => "invalid_signature",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::Conflict => "conflict",
            ErrorCode::TimerAlreadyRunning => "timer_already_running",
            ErrorCode::NoTimerRunning => "no_timer_running",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ProviderUnavailable => "provider_unavailable",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    pub const fn title(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "Validation failed",
            ErrorCode::MalformedRequest => "Malformed request",
            ErrorCode::NotFound => "Not found",
            ErrorCode::Unauthorized => "Unauthorized",
            ErrorCode::InvalidCredentials => "Invalid credentials",
            ErrorCode::InvalidSignature => "Invalid signature",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::InsufficientScope => "Insufficient scope",
            ErrorCode::Conflict => "Conflict",
            ErrorCode::TimerAlreadyRunning => "A timer is already running",
            ErrorCode::NoTimerRunning => "No timer is running",
            ErrorCode::PayloadTooLarge => "Payload too large",
            ErrorCode::UnsupportedMediaType => "Unsupported media type",
            ErrorCode::MethodNotAllowed => "Method not allowed",
            ErrorCode::RateLimited => "Too many requests",
            ErrorCode::ProviderUnavailable => "Provider unavailable",
            ErrorCode::ServiceUnavailable => "Service unavailable",
            ErrorCode::Internal => "Internal server error",
        }
    }

    /// The problem `type` URI: stable and unique per code.
    pub fn type_uri(self) -> String {
        format!("urn:stint:problem:{}", self.as_str())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The field's name as sent (`end`, `scopes[1]`, …).
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem document, served as `application/problem+json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `urn:stint:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, for a person to read.
    pub detail: String,
    pub code: ErrorCode,
    /// The request's `X-Request-Id`, to quote when reporting a problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: code.type_uri(),
            title: code.title().to_owned(),
            status: code.status(),
            detail: detail.into(),
            code,
            request_id: None,
            errors: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_stable_strings() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap_or_default();
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
        }
    }

    #[test]
    fn every_code_is_an_error_status() {
        for code in ErrorCode::ALL {
            assert!((400..600).contains(&code.status()), "{code}");
        }
    }
}
