//! The web app: hashed assets under `/assets` cached for a year, and `index.html` for every other
//! page path (the SPA routes in the browser). Unknown `/api/…` paths and other methods keep their
//! JSON answers.

use std::path::{Path, PathBuf};

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};

/// Where the built app lives, shared with the fallback handler.
#[derive(Clone)]
pub struct WebDir(pub PathBuf);

/// Scripts and styles come only from Stint itself; WASM needs `wasm-unsafe-eval`.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

/// `/assets/…`: file names carry a content hash, so a browser may keep them for good.
pub fn assets(dir: &Path) -> impl actix_web::dev::HttpServiceFactory + use<> {
    web::scope("/assets")
        .wrap(
            DefaultHeaders::new()
                .add((header::CACHE_CONTROL, "public, max-age=31536000, immutable")),
        )
        .service(actix_files::Files::new("", dir.join("assets")))
}

/// Anything no route matched.
pub async fn fallback(req: HttpRequest, dir: Data<WebDir>) -> HttpResponse {
    let is_page = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) && !req.path().starts_with("/api/")
        && !req.path().starts_with("/assets/")
        && req.path() != "/api";
    if !is_page {
        return crate::error::not_found(req).await;
    }
    let body = match tokio::fs::read(dir.0.join("index.html")).await {
        Ok(body) => body,
        Err(_) => {
            return HttpResponse::NotFound()
                .content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body(NOT_BUILT);
        }
    };
    let mut response = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // The page names the current asset hashes: always ask again.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    response
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
<title>Stint</title><link rel=\"icon\" href=\"data:,\"><h1>The web app is not built</h1>\
<p>Build it with <code>just web</code> (or start with <code>just run</code>, which builds it), \
or point <code>STINT_WEB_DIR</code> at a built copy. The API works without it: see \
<a href=\"/docs/\">/docs/</a>.</p></html>";
