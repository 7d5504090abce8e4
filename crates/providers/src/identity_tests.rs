//! The connected account of every provider, against the providers' documented payloads.

#![cfg(test)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use serde_json::json;
use stint_connectors::Catalogue;
use stint_connectors::ProviderEnv;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use stint_api_types::providers::ProviderKey;
use stint_connectors::Secret;
use stint_connectors::{AccountIdentity, GatewayError};

async fn connector_for(key: ProviderKey, server: &MockServer) -> stint_connectors::Connector {
    let env = HashMap::from([(
        key,
        ProviderEnv {
            api_base: Some(server.uri()),
            ..ProviderEnv::default()
        },
    )]);
    let catalogue = Catalogue::new(crate::catalogue(&reqwest::Client::new()), &env);
    catalogue.connector(key).expect("entry").clone()
}

async fn identity_of(
    key: ProviderKey,
    server: &MockServer,
) -> Result<Option<AccountIdentity>, GatewayError> {
    let connector = connector_for(key, server).await;
    connector
        .account
        .identity(&connector.spec, &Secret::new("token-123"))
        .await
}

async fn serve(server: &MockServer, route: &str, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(route))
        .and(header("authorization", "Bearer token-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn identities_from_real_payload_shapes() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/user",
        json!({ "id": 1, "username": "john_smith", "name": "John Smith", "state": "active" }),
    )
    .await;
    serve(&server, "/calendars/primary", json!({ "kind": "calendar#calendar", "id": "ada@example.com", "summary": "ada@example.com", "timeZone": "Europe/London" })).await;
    serve(&server, "/me", json!({ "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "displayName": "Adele Vance", "mail": "AdeleV@contoso.com", "userPrincipalName": "AdeleV@contoso.com" })).await;
    serve(&server, "/users/me", json!({ "data": { "gid": "12345", "resource_type": "user", "name": "Greg Sanchez", "email": "gsanchez@example.com" } })).await;
    serve(&server, "/oauth/token/accessible-resources", json!([{ "id": "1324a887-45db-1bf4-1e99-ef0ff456d421", "name": "Site name", "url": "https://your-domain.atlassian.net", "scopes": ["read:jira-work"], "avatarUrl": "" }])).await;

    let label = |r: Result<Option<AccountIdentity>, GatewayError>| {
        r.expect("identity").expect("some").label
    };
    assert_eq!(
        label(identity_of(ProviderKey::Gitlab, &server).await),
        "john_smith"
    );
    assert_eq!(
        label(identity_of(ProviderKey::GoogleCalendar, &server).await),
        "ada@example.com"
    );
    assert_eq!(
        label(identity_of(ProviderKey::OutlookCalendar, &server).await),
        "AdeleV@contoso.com"
    );
    assert_eq!(
        label(identity_of(ProviderKey::Asana, &server).await),
        "gsanchez@example.com"
    );
    assert_eq!(
        label(identity_of(ProviderKey::Jira, &server).await),
        "Site name"
    );

    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": { "viewer": { "id": "2d7a6e8e", "email": "ada@example.com" }, "organization": { "name": "Acme" } }
        })))
        .mount(&server)
        .await;
    assert_eq!(
        label(identity_of(ProviderKey::Linear, &server).await),
        "Acme"
    );
    Mock::given(method("GET"))
        .and(path("/oauth/v1/access-tokens/token-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token": "token-123", "user": "test@hubspot.com", "hub_domain": "demo.hubapi.com",
            "scopes": ["crm.objects.contacts.read"], "hub_id": 62515, "app_id": 456,
            "expires_in": 1754, "user_id": 123, "token_type": "access"
        })))
        .mount(&server)
        .await;
    assert_eq!(
        label(identity_of(ProviderKey::Hubspot, &server).await),
        "demo.hubapi.com"
    );
    serve(&server, "/connections", json!([{
        "id": "e1eede29-f875-4a5d-8470-17f6a29a88b1", "authEventId": "d99ecdfe-391d-43d2-b834-17636ba90e8d",
        "tenantId": "70784a63-d24b-46a9-a4db-0e70a274b056", "tenantType": "ORGANISATION",
        "tenantName": "Maple Florists", "createdDateUtc": "2019-07-09T23:40:30.1833130",
        "updatedDateUtc": "2020-05-15T01:35:13.8491980"
    }]))
    .await;
    assert_eq!(
        label(identity_of(ProviderKey::Xero, &server).await),
        "Maple Florists"
    );
}

#[tokio::test]
async fn quickbooks_is_tested_against_the_connected_company() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/company/9130349451234567/companyinfo/9130349451234567",
        json!({
            "CompanyInfo": { "CompanyName": "Sandbox Company_US_1", "Id": "1", "Country": "US" },
            "time": "2026-11-23T12:00:00.000-08:00"
        }),
    )
    .await;
    let connector = connector_for(ProviderKey::Quickbooks, &server).await;
    let (account, spec) = (&connector.account, &connector.spec);
    let token = Secret::new("token-123");
    assert!(
        account
            .test_call(spec, &token, Some("9130349451234567"))
            .await
            .expect("test call")
    );
    assert!(
        !account
            .test_call(spec, &token, None)
            .await
            .expect("no company, no call")
    );
    assert_eq!(
        account
            .identity_from_callback(Some("9130349451234567"))
            .map(|i| i.label),
        Some("QuickBooks company 9130349451234567".to_owned())
    );
    assert!(account.identity_from_callback(Some("../x")).is_none());
}

#[tokio::test]
async fn a_refused_token_is_a_dead_access_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    assert!(matches!(
        identity_of(ProviderKey::Gitlab, &server).await,
        Err(GatewayError::DeadAccessToken)
    ));
    let other = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&other)
        .await;
    assert!(matches!(
        identity_of(ProviderKey::Gitlab, &other).await,
        Err(GatewayError::Inconclusive(_))
    ));
}
