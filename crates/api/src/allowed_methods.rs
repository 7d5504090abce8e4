//! Which methods a documented path answers, so that a request with another method gets 405 and
//! an `Allow` header rather than 404. Read from the OpenAPI document, which lists every route;
//! made when a request first misses, so a server that never sees one never builds it.

use std::sync::OnceLock;

struct Route {
    segments: Vec<Option<String>>,
    methods: Vec<&'static str>,
}

static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();

fn routes() -> &'static [Route] {
    ROUTES.get_or_init(|| {
        crate::openapi::document()
            .paths
            .paths
            .iter()
            .map(|(path, item)| Route {
                // `{id}` matches any one segment.
                segments: path
                    .trim_matches('/')
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect(),
                methods: [
                    ("GET", &item.get),
                    ("PUT", &item.put),
                    ("POST", &item.post),
                    ("DELETE", &item.delete),
                    ("PATCH", &item.patch),
                    ("HEAD", &item.head),
                    ("OPTIONS", &item.options),
                ]
                .into_iter()
                .filter_map(|(name, operation)| operation.as_ref().map(|_| name))
                .collect(),
            })
            .collect()
    })
}

/// The methods the path answers, if it is a documented path; `None` for an unknown path.
pub fn allowed(path: &str) -> Option<Vec<&'static str>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut methods: Vec<&'static str> = Vec::new();
    for route in routes() {
        let matches = route.segments.len() == segments.len()
            && route
                .segments
                .iter()
                .zip(&segments)
                .all(|(want, got)| want.as_deref().is_none_or(|want| want == *got));
        if matches {
            methods.extend(&route.methods);
        }
    }
    methods.sort_unstable();
    methods.dedup();
    (!methods.is_empty()).then_some(methods)
}
