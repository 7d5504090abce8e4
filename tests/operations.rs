use reqwest::Method;
use serde_json::Value;
use stint_test_support::spawn_app;

#[tokio::test]
async fn healthz_and_readyz_answer() {
    let app = spawn_app().await;
    let health = app.send(app.request(Method::GET, "/healthz", None)).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.value()["status"], "ok");
    let ready = app.send(app.request(Method::GET, "/readyz", None)).await;
    assert_eq!(ready.status, 200);
}

#[tokio::test]
async fn readyz_reports_a_closed_database() {
    let app = spawn_app().await;
    app.stint.db.clone().close().await.expect("close");
    let ready = app.send(app.request(Method::GET, "/readyz", None)).await;
    ready.problem(503, "service_unavailable");
}

#[tokio::test]
async fn request_ids_are_echoed_or_made_up() {
    let app = spawn_app().await;
    let given = app
        .send(
            app.request(Method::GET, "/healthz", None)
                .header("x-request-id", "abc-123"),
        )
        .await;
    assert_eq!(given.headers["x-request-id"], "abc-123");

    let made_up = app.send(app.request(Method::GET, "/healthz", None)).await;
    let id = made_up.headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 32);

    // An unsafe incoming id is replaced, and problem documents carry the id.
    let hostile = app
        .send(
            app.request(Method::GET, "/api/me", None)
                .header("x-request-id", "<script>"),
        )
        .await;
    let problem = hostile.problem(401, "unauthorized");
    let echoed = hostile.headers["x-request-id"].to_str().unwrap();
    assert_ne!(echoed, "<script>");
    assert_eq!(problem.request_id.as_deref(), Some(echoed));
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    for _ in 0..3 {
        app.get("/api/time-entries", &token).await;
    }
    app.get("/api/projects/01a20a56-7f18-77dc-b051-766f73529f4d", &token)
        .await;
    let metrics = app.send(app.request(Method::GET, "/metrics", None)).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        metrics.text.contains(
            r#"stint_http_requests_total{method="GET",route="/api/time-entries",status="200"} 3"#
        ),
        "{}",
        metrics.text
    );
    assert!(
        metrics
            .text
            .contains(r#"route="/api/projects/{id}",status="404""#)
    );
    assert!(
        metrics
            .text
            .contains("stint_http_request_duration_seconds_bucket")
    );
    assert!(
        !metrics.text.contains("01a20a56"),
        "ids must not become label values"
    );
}

#[tokio::test]
async fn openapi_is_served_and_docs_need_no_download() {
    let app = spawn_app().await;
    let doc = app
        .send(app.request(Method::GET, "/api/openapi.json", None))
        .await;
    assert_eq!(doc.status, 200);
    let doc: Value = doc.value();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/time-entries"]["get"].is_object());

    let redirect = app.send(app.request(Method::GET, "/docs", None)).await;
    assert!(redirect.status.is_redirection());
    let page = app.send(app.request(Method::GET, "/docs/", None)).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger"), "{}", page.text);
    // The UI's script is embedded in the binary, not fetched from a CDN.
    assert!(!page.text.contains("cdn"), "{}", page.text);
    let script = app
        .send(app.request(Method::GET, "/docs/swagger-ui-bundle.js", None))
        .await;
    assert_eq!(script.status, 200);
    let init = app
        .send(app.request(Method::GET, "/docs/swagger-initializer.js", None))
        .await;
    assert!(init.text.contains("/api/openapi.json"), "{}", init.text);
}

/// `openapi/openapi.json` is the contract: regenerate it with `just openapi` when this fails.
#[test]
fn committed_openapi_document_is_fresh() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap_or_default();
    let generated = stint_api::openapi::document_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `just openapi` and commit it"
    );
}

#[test]
fn every_operation_is_documented_with_errors() {
    let doc: Value = serde_json::from_str(&stint_api::openapi::document_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/openapi.json",
        "/api/auth/login",
        "/api/auth/logout",
        "/api/me",
        "/api/tokens",
        "/api/tokens/{id}",
        "/api/admin/users",
        "/api/admin/users/{id}",
        "/api/admin/users/{id}/sign-out",
        "/api/clients",
        "/api/clients/{id}",
        "/api/projects",
        "/api/projects/{id}",
        "/api/tasks",
        "/api/tasks/{id}",
        "/api/time-entries",
        "/api/time-entries/{id}",
        "/api/timer",
        "/api/timer/start",
        "/api/timer/stop",
        "/api/providers",
        "/api/admin/providers/{provider}",
        "/api/integrations",
        "/api/integrations/{provider}/connect",
        "/api/integrations/{provider}/callback",
        "/api/integrations/{provider}/status",
        "/api/integrations/{provider}/disconnect",
        "/api/integrations/{provider}/credentials",
        "/api/integrations/{provider}/test",
        "/api/integrations/{provider}/config",
        "/api/integrations/{provider}/sync",
        "/api/integrations/{provider}/sync-runs",
        "/api/sync-runs/{id}",
        "/api/integrations/{provider}/webhook",
        "/api/integrations/{provider}/webhook/{connection}",
        "/api/integrations/{provider}/webhook-secret",
        "/api/integrations/{provider}/events",
        "/api/integrations/{provider}/commands",
        "/api/admin/webhook-deliveries",
        "/api/admin/webhook-deliveries/{id}/reapply",
    ];
    // Reached without a session: sign-in, and the provider's redirect back to Stint.
    let public = [
        "/api/auth/login",
        "/api/openapi.json",
        "/api/integrations/{provider}/callback",
    ];
    for path in expected {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["summary"].is_string(),
                "{method} {path} has no summary"
            );
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses
                    .keys()
                    .any(|s| s.starts_with('2') || s.starts_with('3')),
                "{method} {path}: no success response"
            );
            if path.starts_with("/api/") && path != "/api/openapi.json" {
                assert!(
                    responses.keys().any(|s| s.starts_with('4')),
                    "{method} {path}: no error response"
                );
                // Signing in the browser is public; signing out of it is not.
                let browser_sign_in = path == "/api/auth/session" && method == "post";
                if !public.contains(&path.as_str()) && !browser_sign_in {
                    assert!(
                        responses.contains_key("401"),
                        "{method} {path}: 401 undocumented"
                    );
                    assert!(
                        operation["security"].is_array(),
                        "{method} {path}: no security"
                    );
                }
            }
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let Some(rest) = app.database_url.strip_prefix("sqlite://") else {
        return; // PostgreSQL: nothing on disk here.
    };
    let path = rest.split('?').next().unwrap();
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{path}");
}

#[tokio::test]
async fn metrics_can_be_kept_for_the_holder_of_a_token() {
    let token = "metrics-token-0123456789";
    let app = stint_test_support::spawn_app_with(&[("STINT_METRICS_TOKEN", token)]).await;
    let anonymous = app.send(app.request(Method::GET, "/metrics", None)).await;
    anonymous.problem(401, "unauthorized");
    let wrong = app
        .send(app.request(Method::GET, "/metrics", Some("metrics-token-0123456780")))
        .await;
    wrong.problem(401, "unauthorized");
    let allowed = app
        .send(app.request(Method::GET, "/metrics", Some(token)))
        .await;
    assert_eq!(allowed.status, 200);
    assert!(allowed.text.contains("# TYPE"), "{}", allowed.text);
}
