//! Signing in and out, and personal API tokens: how a caller becomes a `Principal`.

mod api_tokens;
mod sign_in;

pub use api_tokens::{create_token, delete_token, list_tokens};
pub use sign_in::{authenticate_bearer, login, logout};
