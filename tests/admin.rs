use serde_json::{Value, json};
use stint_test_support::{ADMIN_EMAIL, spawn_app};

#[tokio::test]
async fn the_first_admin_is_created_from_configuration() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let users: Value = app.get("/api/admin/users", &token).await.ok(200);
    let items = users["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["email"], ADMIN_EMAIL);
    assert_eq!(items[0]["role"], "admin");
    assert!(items[0].get("password_hash").is_none());
}

#[tokio::test]
async fn members_get_403_on_admin_routes() {
    let app = spawn_app().await;
    let (id, member) = app.member("ada@example.com").await;
    app.get("/api/admin/users", &member)
        .await
        .problem(403, "forbidden");
    app.get(&format!("/api/admin/users/{id}"), &member)
        .await
        .problem(403, "forbidden");
    app.post(
        "/api/admin/users",
        &member,
        &json!({ "email": "x@example.com", "password": "12345678" }),
    )
    .await
    .problem(403, "forbidden");
    app.patch(
        &format!("/api/admin/users/{id}"),
        &member,
        &json!({ "role": "admin" }),
    )
    .await
    .problem(403, "forbidden");
    app.post("/api/projects", &member, &json!({ "name": "Mine" }))
        .await
        .problem(403, "forbidden");
    app.post("/api/clients", &member, &json!({ "name": "Mine" }))
        .await
        .problem(403, "forbidden");
}

#[tokio::test]
async fn admins_create_list_and_change_users() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created: Value = app
        .post(
            "/api/admin/users",
            &admin,
            &json!({ "email": "Grace@Example.com", "password": "long enough", "display_name": "Grace", "timezone": "America/New_York" }),
        )
        .await
        .ok(201);
    assert_eq!(created["email"], "grace@example.com");
    assert_eq!(created["role"], "member");
    assert_eq!(created["timezone"], "America/New_York");
    let id = created["id"].as_str().unwrap();

    app.post(
        "/api/admin/users",
        &admin,
        &json!({ "email": "grace@example.com", "password": "long enough" }),
    )
    .await
    .problem(409, "conflict");
    app.post(
        "/api/admin/users",
        &admin,
        &json!({ "email": "short@example.com", "password": "short" }),
    )
    .await
    .problem(400, "validation_failed");
    app.post(
        "/api/admin/users",
        &admin,
        &json!({ "email": "not-an-email", "password": "long enough" }),
    )
    .await
    .problem(400, "validation_failed");

    let updated: Value = app
        .patch(
            &format!("/api/admin/users/{id}"),
            &admin,
            &json!({ "role": "admin" }),
        )
        .await
        .ok(200);
    assert_eq!(updated["role"], "admin");
    app.put(
        &format!("/api/admin/users/{id}/identities/github"),
        &admin,
        &json!({ "handle": "Grace-H" }),
    )
    .await
    .ok::<Value>(200);
    let updated: Value = app
        .put(
            &format!("/api/admin/users/{id}/identities/slack"),
            &admin,
            &json!({ "handle": "U024BE7LH" }),
        )
        .await
        .ok(200);
    assert_eq!(
        updated["identities"],
        json!([
            { "provider": "github", "handle": "grace-h", "external_id": null },
            { "provider": "slack", "handle": "U024BE7LH", "external_id": null },
        ])
    );
    // Each provider's own rules decide what a handle may be; a provider that names nobody
    // Stint matches takes none.
    app.put(
        &format!("/api/admin/users/{id}/identities/slack"),
        &admin,
        &json!({ "handle": "not an id" }),
    )
    .await
    .problem(400, "validation_failed");
    app.put(
        &format!("/api/admin/users/{id}/identities/xero"),
        &admin,
        &json!({ "handle": "grace" }),
    )
    .await
    .problem(400, "validation_failed");
    let cleared: Value = app
        .delete(&format!("/api/admin/users/{id}/identities/slack"), &admin)
        .await
        .ok(200);
    assert_eq!(cleared["identities"].as_array().map(Vec::len), Some(1));

    let fetched: Value = app
        .get(&format!("/api/admin/users/{id}"), &admin)
        .await
        .ok(200);
    assert_eq!(fetched, cleared);
    app.get(
        "/api/admin/users/01a20a56-7f18-77dc-b051-766f73529f4d",
        &admin,
    )
    .await
    .problem(404, "not_found");
}

#[tokio::test]
async fn a_promoted_member_gains_admin_powers_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (id, member) = app.member("ada@example.com").await;
    app.get("/api/admin/users", &member)
        .await
        .problem(403, "forbidden");
    app.patch(
        &format!("/api/admin/users/{id}"),
        &admin,
        &json!({ "role": "admin" }),
    )
    .await
    .ok::<Value>(200);
    assert_eq!(app.get("/api/admin/users", &member).await.status, 200);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me: Value = app.get("/api/me", &admin).await.ok(200);
    let id = me["id"].as_str().unwrap();
    app.patch(
        &format!("/api/admin/users/{id}"),
        &admin,
        &json!({ "role": "member" }),
    )
    .await
    .problem(409, "conflict");
    app.patch(
        &format!("/api/admin/users/{id}"),
        &admin,
        &json!({ "active": false }),
    )
    .await
    .problem(409, "conflict");
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out_while_another_admin_can() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me: Value = app.get("/api/me", &admin).await.ok(200);
    let own = me["id"].as_str().unwrap();
    let (other, other_token) = app.member("grace@example.com").await;
    app.patch(
        &format!("/api/admin/users/{other}"),
        &admin,
        &json!({ "role": "admin" }),
    )
    .await
    .ok::<Value>(200);
    // Not the last admin any more, yet still not allowed on their own account.
    for change in [json!({ "active": false }), json!({ "role": "member" })] {
        let refused = app
            .patch(&format!("/api/admin/users/{own}"), &admin, &change)
            .await;
        let problem = refused.problem(409, "conflict");
        assert!(
            problem.detail.contains("another admin"),
            "{}",
            problem.detail
        );
    }
    assert_eq!(app.get("/api/admin/users", &admin).await.status, 200);
    // The other admin may.
    app.patch(
        &format!("/api/admin/users/{own}"),
        &other_token,
        &json!({ "role": "member" }),
    )
    .await
    .ok::<Value>(200);
    app.get("/api/admin/users", &admin)
        .await
        .problem(403, "forbidden");
}

#[tokio::test]
async fn users_paginate() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for i in 0..4 {
        app.post(
            "/api/admin/users",
            &admin,
            &json!({ "email": format!("u{i}@example.com"), "password": "long enough" }),
        )
        .await
        .ok::<Value>(201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/admin/users?limit=2&cursor={c}"),
            None => "/api/admin/users?limit=2".to_owned(),
        };
        let page: Value = app.get(&path, &admin).await.ok(200);
        for user in page["items"].as_array().unwrap() {
            seen.push(user["email"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            ADMIN_EMAIL,
            "u0@example.com",
            "u1@example.com",
            "u2@example.com",
            "u3@example.com"
        ]
    );
}
