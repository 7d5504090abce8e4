//! Wire types of Stint's HTTP API, shared by the server and the web app: requests, responses,
//! error codes and newtypes that parse their input. No I/O; compiles to WASM.

pub mod auth;
pub mod calendar;
pub mod email;
pub mod error;
pub mod ids;
pub mod page;
pub mod patch;
pub mod providers;
pub mod schema;
pub mod timestamp;
pub mod tracking;
pub mod users;
pub mod webhooks;

pub use email::Email;
pub use error::{ErrorCode, FieldError, Problem};
pub use ids::*;
pub use page::{Page, PageQuery};
