//! The HTTP client every adapter uses.

use std::time::Duration;

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        // Adapters follow no redirects: tokens must not travel to another host (SSRF, leakage).
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("Stint/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}
