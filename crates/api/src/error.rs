//! The one place where errors become HTTP: every failure is an RFC 9457 problem document with a
//! stable `code`. Causes of server-side failures go to the log, never to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use stint_api_types::{ErrorCode, Problem};
use stint_core::CoreError;

use crate::middleware::current_request_id;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A request the framework could not parse: bad JSON, wrong content type, bad path or query.
    #[error("{detail}")]
    Request { code: ErrorCode, detail: String },
}

impl ApiError {
    pub fn request(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError::Request {
            code,
            detail: detail.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Core(err) => err.code(),
            ApiError::Request { code, .. } => *code,
        }
    }

    pub fn problem(&self) -> Problem {
        let mut problem = match self {
            ApiError::Core(err) => {
                let mut problem = Problem::new(err.code(), err.public_detail());
                if let CoreError::Validation(errors) = err {
                    problem.errors.clone_from(errors);
                }
                problem
            }
            ApiError::Request { code, detail } => Problem::new(*code, detail.clone()),
        };
        problem.request_id = current_request_id();
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            // The full cause chain, for the operator.
            let mut causes = String::new();
            let mut source = std::error::Error::source(self);
            while let Some(cause) = source {
                causes.push_str(": ");
                causes.push_str(&cause.to_string());
                source = cause.source();
            }
            tracing::error!(code = %self.code(), error = %self, causes = %causes, "request failed");
        } else {
            tracing::debug!(code = %self.code(), error = %self, "request refused");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            ApiError::Core(CoreError::RateLimited { retry_after }) => {
                response.insert_header((
                    header::RETRY_AFTER,
                    retry_after.as_secs().max(1).to_string(),
                ));
            }
            ApiError::Core(CoreError::Unauthorized | CoreError::InvalidToken) => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            _ => {}
        }
        let body = serde_json::to_string(&self.problem()).unwrap_or_else(|_| "{}".to_owned());
        response.body(body)
    }
}

/// Answers for requests that reached no route: 405 with `Allow` for a known path asked with
/// another method, 404 otherwise.
pub async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    if let Some(methods) = crate::allowed_methods::allowed(req.path()) {
        let allow = methods.join(", ");
        let mut response = ApiError::request(
            ErrorCode::MethodNotAllowed,
            format!("{} is not allowed here; use {allow}", req.method()),
        )
        .error_response();
        if let Ok(value) = HeaderValue::from_str(&allow) {
            response.headers_mut().insert(header::ALLOW, value);
        }
        return response;
    }
    ApiError::request(ErrorCode::NotFound, "no such route").error_response()
}
