use std::time::Duration;

use sea_orm::{DbErr, SqlErr};
use stint_api_types::{ErrorCode, FieldError};

/// Every failure a core service can report. `code()` maps each to its stable API code; the HTTP
/// layer renders them in one place.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{}", FieldErrors(.0))]
    Validation(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// No connection serves the user; the reason says what to do.
    #[error("{0}")]
    NotConnected(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("the session or token is invalid or has expired")]
    InvalidToken,
    #[error("email or password is incorrect")]
    InvalidCredentials,
    #[error("{0}")]
    InvalidSignature(String),
    /// A body that is not what the sender is meant to send.
    #[error("{0}")]
    Malformed(String),
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("this token lacks the `{0}` scope")]
    InsufficientScope(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("a timer is already running; stop it first")]
    TimerAlreadyRunning,
    #[error("no timer is running")]
    NoTimerRunning,
    #[error("too many attempts; try again in {} seconds", retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    #[error("{0}")]
    ProviderUnavailable(String),
    #[error("the database is unavailable")]
    Unavailable(#[source] DbErr),
    #[error("database error")]
    Database(#[source] DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    /// A statement refused because another transaction wrote the same unique key first.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, CoreError::Database(err)
            if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))))
    }

    /// A statement this transaction lost to another one (a deadlock, a serialization failure, a
    /// lock it may not wait for). Nothing about the request was wrong: the whole transaction,
    /// begun again, can succeed.
    pub fn is_transient_conflict(&self) -> bool {
        matches!(self, CoreError::Database(err) if transient_conflict(err))
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        CoreError::Validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Validation(_) => ErrorCode::ValidationFailed,
            CoreError::NotFound(_) | CoreError::NotConnected(_) => ErrorCode::NotFound,
            CoreError::Unauthorized | CoreError::InvalidToken => ErrorCode::Unauthorized,
            CoreError::InvalidCredentials => ErrorCode::InvalidCredentials,
            CoreError::InvalidSignature(_) => ErrorCode::InvalidSignature,
            CoreError::Malformed(_) => ErrorCode::MalformedRequest,
            CoreError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            CoreError::Forbidden(_) => ErrorCode::Forbidden,
            CoreError::InsufficientScope(_) => ErrorCode::InsufficientScope,
            CoreError::Conflict(_) => ErrorCode::Conflict,
            CoreError::TimerAlreadyRunning => ErrorCode::TimerAlreadyRunning,
            CoreError::NoTimerRunning => ErrorCode::NoTimerRunning,
            CoreError::RateLimited { .. } => ErrorCode::RateLimited,
            CoreError::ProviderUnavailable(_) => ErrorCode::ProviderUnavailable,
            CoreError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            CoreError::Database(_) | CoreError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Text safe to show a client. Server-side causes stay in the log.
    pub fn public_detail(&self) -> String {
        match self {
            CoreError::Validation(errors) => match errors.as_slice() {
                [one] => format!("`{}`: {}", one.field, one.message),
                _ => format!("{} fields are invalid", errors.len()),
            },
            CoreError::Database(_) | CoreError::Internal(_) => {
                "something went wrong on our side; the request id identifies it in the log"
                    .to_owned()
            }
            other => other.to_string(),
        }
    }
}

impl From<DbErr> for CoreError {
    fn from(err: DbErr) -> Self {
        if database_unreachable(&err) {
            CoreError::Unavailable(err)
        } else {
            CoreError::Database(err)
        }
    }
}

/// Whether the database could not be reached or is going away (down, restarting, refusing
/// connections, the connection dropped), as opposed to refusing the statement: the caller may try
/// again later, and the answer is 503.
pub fn database_unreachable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => {
            match sqlx.as_ref() {
                Sqlx::Io(_)
                | Sqlx::Tls(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed => true,
                // SQLSTATE class 08 (connection exception) and 57P (the server is shutting
                // down, restarting, or not yet accepting connections).
                Sqlx::Database(db) => db
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
                _ => false,
            }
        }
        _ => false,
    }
}

/// SQLSTATE 40P01 (deadlock_detected), 40001 (serialization_failure), 55P03
/// (lock_not_available): PostgreSQL ended the statement to let another transaction through.
fn transient_conflict(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => {
            matches!(sqlx.as_ref(), Sqlx::Database(db)
                if db.code().is_some_and(|code| matches!(&*code, "40P01" | "40001" | "55P03")))
        }
        _ => false,
    }
}

/// Maps a uniqueness or foreign-key violation to a clear error; anything else stays a database error.
pub fn constraint_error(
    err: DbErr,
    unique: impl FnOnce() -> CoreError,
    foreign: impl FnOnce() -> CoreError,
) -> CoreError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => unique(),
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => foreign(),
        _ => CoreError::from(err),
    }
}

impl std::fmt::Display for FieldErrors<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.message)?;
        }
        Ok(())
    }
}

struct FieldErrors<'a>(&'a [FieldError]);

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::error::{DatabaseError, ErrorKind};

    use super::*;

    /// A database's refusal carrying only its SQLSTATE, as PostgreSQL reports one.
    #[derive(Debug)]
    struct Refusal(&'static str);

    impl std::fmt::Display for Refusal {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "SQLSTATE {}", self.0)
        }
    }

    impl std::error::Error for Refusal {}

    impl DatabaseError for Refusal {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> ErrorKind {
            ErrorKind::Other
        }
    }

    fn refused(code: &'static str) -> CoreError {
        let sqlx = sea_orm::sqlx::Error::Database(Box::new(Refusal(code)));
        CoreError::from(DbErr::Exec(RuntimeErr::SqlxError(Arc::new(sqlx))))
    }

    #[test]
    fn deadlocks_and_serialization_failures_are_worth_trying_again() {
        for code in ["40P01", "40001", "55P03"] {
            assert!(refused(code).is_transient_conflict(), "{code}");
        }
        // A broken rule, or a database gone away, is something else.
        for code in ["23505", "23503", "42P01", "08006"] {
            assert!(!refused(code).is_transient_conflict(), "{code}");
        }
        assert!(!CoreError::Internal("40P01".into()).is_transient_conflict());
    }
}
