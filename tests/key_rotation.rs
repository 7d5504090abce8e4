//! Rotating the encryption key re-encrypts every stored secret, resumably.

use serde_json::{Value, json};
use stint_api_types::providers::ProviderKey;
use stint_core::config::EncryptionKey;
use stint_core::integrations::provider_apps;
use stint_core::key_rotation::reencrypt_all;
use stint_core::{Config, Stint};
use stint_test_support::spawn_app;

fn with_ring(config: &Config, ring: Vec<EncryptionKey>) -> Config {
    let mut config = config.clone();
    config.secret_keys = ring;
    config
}

#[tokio::test]
async fn any_write_moves_a_provider_apps_untouched_secrets_to_the_active_key() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.put("/api/admin/providers/slack", &admin, &json!({
        "client_id": "c", "client_secret": "slack-client-secret", "signing_secret": "slack-signing-secret"
    }))
.await
    .ok::<Value>(200);
    let old = app.stint.config.secret_keys[0].clone();
    let new = EncryptionKey {
        id: "k2".to_owned(),
        key: [5; 32],
    };
    let rotated = Stint::start(
        with_ring(&app.stint.config, vec![new.clone(), old]),
        app.stint.clock.clone(),
        stint_providers::providers().expect("HTTP client"),
    )
    .await
    .unwrap();
    let me: Value = app.get("/api/me", &admin).await.ok(200);
    let admin_id: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    let principal = stint_core::users::principal_for(&rotated, admin_id)
        .await
        .unwrap();
    // An update that touches no secret.
    let update = stint_api_types::providers::UpdateProviderApp {
        enabled: Some(true),
        ..Default::default()
    };
    provider_apps::admin_update(&rotated, &principal, ProviderKey::Slack, update)
        .await
        .unwrap();

    let only_new = Stint::start(
        with_ring(&app.stint.config, vec![new]),
        app.stint.clock.clone(),
        stint_providers::providers().expect("HTTP client"),
    )
    .await
    .unwrap();
    let loaded = provider_apps::load(&only_new, ProviderKey::Slack)
        .await
        .unwrap();
    assert_eq!(
        loaded.client_secret.unwrap().expose(),
        "slack-client-secret"
    );
    assert_eq!(
        loaded.signing_secret.unwrap().expose(),
        "slack-signing-secret"
    );
}

#[tokio::test]
async fn rotation_moves_every_secret_to_the_new_key() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.put(
        "/api/admin/providers/github",
        &admin,
        &json!({
            "client_id": "Iv1.abc",
            "client_secret": "client-secret-before-rotation",
            "webhook_secret": "webhook-secret-before-rotation"
        }),
    )
    .await
    .ok::<Value>(200);

    let old = app.stint.config.secret_keys[0].clone();
    let new = EncryptionKey {
        id: "k2".to_owned(),
        key: [9; 32],
    };
    let rotated = Stint::start(
        with_ring(&app.stint.config, vec![new.clone(), old]),
        app.stint.clock.clone(),
        stint_providers::providers().expect("HTTP client"),
    )
    .await
    .unwrap();
    let report = reencrypt_all(&rotated).await.unwrap();
    assert_eq!(report.reencrypted, 2);
    // Interrupted or not, a second run finds nothing left to do.
    let again = reencrypt_all(&rotated).await.unwrap();
    assert_eq!((again.reencrypted, again.already_current), (0, 2));

    // The old key can now leave the ring.
    let only_new = Stint::start(
        with_ring(&app.stint.config, vec![new]),
        app.stint.clock.clone(),
        stint_providers::providers().expect("HTTP client"),
    )
    .await
    .unwrap();
    let loaded = provider_apps::load(&only_new, ProviderKey::Github)
        .await
        .unwrap();
    assert_eq!(
        loaded.client_secret.unwrap().expose(),
        "client-secret-before-rotation"
    );
    assert_eq!(
        loaded.webhook_secret.unwrap().expose(),
        "webhook-secret-before-rotation"
    );
}
