//! `just bench-crypto`: AES-256-GCM encrypt and decrypt of a 2 KB token, and `get_valid_token` on
//! a fresh token end to end through the database (SQLite), in ns per operation.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use stint_api_types::Email;
use stint_api_types::auth::Role;
use stint_api_types::providers::{ApiKeyCredentials, IntegrationScope, ProviderKey};
use stint_api_types::users::CreateUser;
use stint_connectors::Secret;
use stint_connectors::{AccountApi, Revoker};
use stint_connectors::{AccountIdentity, AppCredentials, GatewayError};
use stint_connectors::{Connector, ProviderSpec};
use stint_core::crypto::{KeyRing, SecretSlot};
use stint_core::{Clock, Config, Stint};

const SLOT: SecretSlot<'static> = SecretSlot {
    table: "credentials",
    row: "0190c0de-0000-7000-8000-000000000001",
    field: "access_token",
};

fn crypto(c: &mut Criterion) {
    let ring = KeyRing::new(&[stint_core::config::EncryptionKey {
        id: "k1".to_owned(),
        key: [7; 32],
    }])
    .expect("ring");
    let token = "x".repeat(2048);
    let sealed = ring.encrypt(&token, SLOT).expect("encrypt");
    c.bench_function("encrypt 2 KB token", |b| {
        b.iter(|| ring.encrypt(black_box(&token), SLOT))
    });
    c.bench_function("decrypt 2 KB token", |b| {
        b.iter(|| ring.decrypt(black_box(&sealed), SLOT))
    });
}

/// Answers the one call connecting needs; the fresh-token path never reaches a provider.
struct StaticAccount;

#[async_trait::async_trait]
impl AccountApi for StaticAccount {
    async fn identity(
        &self,
        _: &ProviderSpec,
        _: &Secret,
    ) -> Result<Option<AccountIdentity>, GatewayError> {
        Ok(Some(AccountIdentity {
            id: "1".to_owned(),
            label: "bench".to_owned(),
        }))
    }
}

#[async_trait::async_trait]
impl Revoker for StaticAccount {
    async fn revoke(
        &self,
        _: &ProviderSpec,
        _: &AppCredentials,
        _: &Secret,
    ) -> Result<(), GatewayError> {
        Ok(())
    }
}

fn fresh_token(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let vars = HashMap::from([("STINT_DATA_DIR", dir.path().display().to_string())]);
    let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("config");
    let providers = stint_providers::providers().expect("HTTP client");
    let trello = providers
        .connectors
        .iter()
        .find(|c| c.spec.key == ProviderKey::Trello)
        .expect("Trello")
        .spec
        .clone();
    let account = Arc::new(StaticAccount);
    let providers = providers.register(Connector::new(trello, account.clone(), account));
    let (stint, integration_id) = runtime.block_on(async {
        let stint = Stint::start(config, Clock::system(), providers)
            .await
            .expect("start");
        let user = stint_core::users::create_user(
            &stint,
            CreateUser {
                email: Email::parse("bench@example.com").expect("email"),
                display_name: None,
                password: "bench password".to_owned(),
                role: Role::Admin,
                timezone: None,
            },
        )
        .await
        .expect("user");
        let principal = stint_core::users::principal_for(&stint, user.id)
            .await
            .expect("principal");
        let credentials = ApiKeyCredentials {
            api_key: "benchmarkkey".to_owned(),
            token: "benchmarktoken".repeat(30),
        };
        let integration = stint_core::integrations::checks::connect_with_key(
            &stint,
            &principal,
            ProviderKey::Trello,
            Some(IntegrationScope::Global),
            credentials,
        )
        .await
        .expect("connect");
        (stint, integration.id)
    });
    c.bench_function("get_valid_token, fresh token, SQLite", |b| {
        b.to_async(&runtime).iter(|| async {
            stint_core::integrations::tokens::get_valid_token(&stint, integration_id)
                .await
                .expect("token")
        })
    });
}

criterion_group!(benches, crypto, fresh_token);
criterion_main!(benches);
