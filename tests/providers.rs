use std::collections::HashMap;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use stint_test_support::{spawn_app, spawn_app_with};

#[tokio::test]
async fn the_catalogue_lists_every_provider_with_its_modes() {
    let app = spawn_app().await;
    let (_, member) = app.member("ada@example.com").await;
    let providers: Value = app.get("/api/providers", &member).await.ok(200);
    let providers = providers.as_array().unwrap();
    assert_eq!(providers.len(), 13);
    let by_key: HashMap<&str, &Value> = providers
        .iter()
        .map(|p| (p["key"].as_str().unwrap(), p))
        .collect();
    assert_eq!(by_key["github"]["configured"], false);
    assert_eq!(by_key["github"]["modes"], json!(["global"]));
    assert_eq!(by_key["google_calendar"]["modes"], json!(["personal"]));
    assert_eq!(by_key["trello"]["auth_kind"], "api_key");
    assert_eq!(by_key["slack"]["capabilities"], json!(["notifications"]));
    let integrations: Value = app.get("/api/integrations", &member).await.ok(200);
    assert_eq!(integrations, json!({ "global": [], "personal": [] }));
}

#[tokio::test]
async fn admins_set_up_a_provider_app_and_secrets_stay_write_only() {
    let app = spawn_app_with(&[("STINT_PUBLIC_URL", "https://stint.example.com/")]).await;
    let admin = app.admin_token().await;
    let saved: Value = app
        .put(
            "/api/admin/providers/github",
            &admin,
            &json!({
                "client_id": "Iv1.abc123",
                "client_secret": "github-client-secret-value",
                "webhook_secret": "github-webhook-secret-value",
                "allow_personal": true
            }),
        )
        .await
        .ok(200);
    assert_eq!(saved["client_id"], "Iv1.abc123");
    assert_eq!(saved["client_secret_set"], true);
    assert_eq!(saved["webhook_secret_set"], true);
    assert_eq!(saved["signing_secret_set"], false);
    assert_eq!(saved["configured"], true);
    assert_eq!(saved["modes"], json!(["global", "personal"]));
    assert_eq!(
        saved["redirect_uri"],
        "https://stint.example.com/api/integrations/github/callback"
    );
    assert_eq!(
        saved["webhook_url"],
        "https://stint.example.com/api/integrations/github/webhook"
    );
    let text = saved.to_string();
    assert!(
        !text.contains("github-client-secret-value")
            && !text.contains("github-webhook-secret-value")
    );

    let fetched: Value = app.get("/api/admin/providers/github", &admin).await.ok(200);
    assert_eq!(fetched, saved);
    let (_, member) = app.member("ada@example.com").await;
    let providers: Value = app.get("/api/providers", &member).await.ok(200);
    let github = providers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "github")
        .unwrap();
    assert_eq!(github["configured"], true);

    // Stored encrypted, bound to the row: no plaintext in the table.
    let db = &app.stint.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT client_secret_enc, webhook_secret_enc FROM provider_apps WHERE provider = 'github'",
        ))
        .await
        .unwrap();
    let secret: String = rows[0].try_get("", "client_secret_enc").unwrap();
    assert!(secret.starts_with("k1:"), "{secret}");
    assert!(!secret.contains("github-client-secret-value"));
    let file = app.database_bytes();
    for plaintext in ["github-client-secret-value", "github-webhook-secret-value"] {
        assert!(
            !file
                .windows(plaintext.len())
                .any(|w| w == plaintext.as_bytes()),
            "{plaintext} in the database file"
        );
    }

    // Clearing the secret leaves the app unconfigured.
    let cleared: Value = app
        .put(
            "/api/admin/providers/github",
            &admin,
            &json!({ "client_secret": null }),
        )
        .await
        .ok(200);
    assert_eq!(cleared["client_secret_set"], false);
    assert_eq!(cleared["configured"], false);
    assert_eq!(cleared["client_id"], "Iv1.abc123");

    // The audit log names the fields, never the values.
    let audit = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT action, detail FROM audit_log",
        ))
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    let detail: Value = audit[0].try_get("", "detail").unwrap();
    assert!(detail.to_string().contains("client_secret"));
    assert!(!detail.to_string().contains("github-client-secret-value"));
}

#[tokio::test]
async fn members_cannot_see_or_change_provider_apps() {
    let app = spawn_app().await;
    let (_, member) = app.member("ada@example.com").await;
    app.get("/api/admin/providers/github", &member)
        .await
        .problem(403, "forbidden");
    app.put(
        "/api/admin/providers/github",
        &member,
        &json!({ "client_id": "x" }),
    )
    .await
    .problem(403, "forbidden");
    let admin = app.admin_token().await;
    app.get("/api/admin/providers/myspace", &admin)
        .await
        .problem(400, "validation_failed");
    app.put(
        "/api/admin/providers/github",
        &admin,
        &json!({ "client_secret": "   " }),
    )
    .await
    .problem(400, "validation_failed");
}

#[tokio::test]
async fn the_environment_seeds_what_the_admin_has_not_set() {
    let app = spawn_app_with(&[
        ("STINT_PROVIDER_SLACK_CLIENT_ID", "env-client"),
        ("STINT_PROVIDER_SLACK_CLIENT_SECRET", "env-secret-value"),
        ("STINT_PROVIDER_SLACK_SIGNING_SECRET", "env-signing-value"),
    ])
    .await;
    let admin = app.admin_token().await;
    let seeded: Value = app.get("/api/admin/providers/slack", &admin).await.ok(200);
    assert_eq!(seeded["client_id"], "env-client");
    assert_eq!(seeded["configured"], true);
    assert_eq!(seeded["signing_secret_set"], true);
    assert_eq!(
        seeded["webhook_url"],
        format!("{}/api/integrations/slack/events", app.address)
    );
    let changed: Value = app
        .put(
            "/api/admin/providers/slack",
            &admin,
            &json!({ "client_id": "admin-client" }),
        )
        .await
        .ok(200);
    assert_eq!(changed["client_id"], "admin-client");
}

#[tokio::test]
async fn start_up_refuses_a_stored_secret_under_an_unknown_key() {
    use stint_core::{Clock, Config, Stint};
    let dir = tempfile::tempdir().unwrap();
    let url = stint_test_support::test_database_url(dir.path()).await;
    let key = |id: &str, byte: u8| {
        use base64::Engine;
        format!(
            "{id}:{}",
            base64::engine::general_purpose::STANDARD.encode([byte; 32])
        )
    };
    let config = |keys: String| {
        let vars: HashMap<&str, String> = HashMap::from([
            ("STINT_DATA_DIR", dir.path().display().to_string()),
            ("STINT_DATABASE_URL", url.clone()),
            ("STINT_SECRET_KEYS", keys),
        ]);
        Config::from_lookup(|name| vars.get(name).cloned()).unwrap()
    };
    let first = Stint::start(
        config(key("old", 1)),
        Clock::system(),
        stint_providers::providers().expect("HTTP client"),
    )
    .await
    .unwrap();
    let user = stint_core::users::create_user(
        &first,
        stint_api_types::users::CreateUser {
            email: stint_api_types::Email::parse("root@example.com").unwrap(),
            display_name: None,
            password: "long enough".to_owned(),
            role: stint_api_types::auth::Role::Admin,
            timezone: None,
        },
    )
    .await
    .unwrap();
    let admin = stint_core::auth::Principal {
        user_id: user.id.into(),
        role: stint_api_types::auth::Role::Admin,
        scopes: vec![stint_api_types::auth::Scope::Admin],
        credential: stint_core::auth::Credential::Session,
        session: None,
    };
    let update = stint_api_types::providers::UpdateProviderApp {
        client_secret: Some(Some("s3cret-value".to_owned())),
        ..Default::default()
    };
    stint_core::integrations::provider_apps::admin_update(
        &first,
        &admin,
        stint_api_types::providers::ProviderKey::Github,
        update,
    )
    .await
    .unwrap();
    first.db.close().await.unwrap();

    // Rotated properly: the old key is still in the ring.
    let rotated = Stint::start(
        config(format!("{},{}", key("new", 2), key("old", 1))),
        Clock::system(),
        stint_providers::providers().expect("HTTP client"),
    )
    .await;
    assert!(rotated.is_ok());
    rotated.unwrap().db.close().await.unwrap();

    // The old key dropped: refuse to start, naming the key.
    let refused = Stint::start(
        config(key("new", 2)),
        Clock::system(),
        stint_providers::providers().expect("HTTP client"),
    )
    .await;
    let message = refused.err().expect("start-up must fail").to_string();
    assert!(
        message.contains("`old`") && message.contains("provider_apps.client_secret_enc"),
        "{message}"
    );
}

/// A provider shows a webhook URL exactly when its module receives webhooks there: the URL shown
/// answers (here: refused, no secret is set), and where none is shown nothing answers.
#[tokio::test]
async fn a_webhook_url_is_shown_only_where_one_is_received() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let providers: Value = app.get("/api/providers", &admin).await.ok(200);
    let mut shown = Vec::new();
    for provider in providers.as_array().unwrap() {
        let key = provider["key"].as_str().unwrap();
        let setup: Value = app
            .get(&format!("/api/admin/providers/{key}"), &admin)
            .await
            .ok(200);
        let delivered = |path: String| {
            app.send(
                app.client
                    .post(path)
                    .header("content-type", "application/json")
                    .body("{}"),
            )
        };
        match setup["webhook_url"].as_str() {
            Some(url) => {
                shown.push(key.to_owned());
                let answer = delivered(url.to_owned()).await;
                assert_ne!(answer.status, 404, "{key}: {url} is shown but not received");
            }
            None => {
                let answer = delivered(app.url(&format!("/api/integrations/{key}/webhook"))).await;
                answer.problem(404, "not_found");
            }
        }
    }
    assert_eq!(shown, ["github", "slack"]);
}
