//! The web app in a real browser (headless Chromium) against the real server, with fake
//! providers speaking their wire formats: sign in, set up and connect GitHub, sync with progress,
//! the timer, a member's own calendar on a phone-sized screen.

use std::time::Duration;

use serde_json::{Value, json};
use stint_test_support::{
    ADMIN_EMAIL, ADMIN_PASSWORD, MEMBER_PASSWORD, TestApp, epoch, spawn_app_with,
};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::browser::{Browser, consenting_authorize_page, screenshot_dir};
use crate::calendar_google::{event, google_env, listing, mock_oauth};
use crate::github_sync::issue;
use crate::oauth::{github_app, mock_token_and_user};

/// The server's clock at the browser's: the pages show "today" and "this week" by the browser's.
fn to_real_time(app: &TestApp) {
    app.clock.advance(chrono::Utc::now() - epoch());
}

async fn sign_in(browser: &Browser, email: &str, password: &str) {
    browser.fill("#email", email).await;
    browser.fill("#password", password).await;
    browser.click("form button[type=submit]").await;
}

/// Two pages of open issues; the second is slow, so that a running sync can be seen.
async fn mount_issues(github: &MockServer) {
    let base = github.uri();
    let repo = "octocat/hello-world";
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/issues"))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(vec![
                    issue(repo, 1, "2026-01-02T00:00:00Z", false),
                    issue(repo, 2, "2026-01-02T00:00:00Z", true),
                ])
                .insert_header(
                    "link",
                    format!("<{base}/repos/octocat/hello-world/issues?state=open&per_page=100&page=2>; rel=\"next\"").as_str(),
                ),
        )
        .mount(github)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/issues"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(vec![issue(repo, 3, "2026-01-03T00:00:00Z", false)])
                .set_delay(Duration::from_millis(2500)),
        )
        .mount(github)
        .await;
}

#[tokio::test]
async fn an_admin_sets_up_and_connects_github_syncs_and_tracks_time_in_the_browser() {
    let github = MockServer::start().await;
    mock_token_and_user(&github).await;
    consenting_authorize_page(&github, "/login/oauth/authorize", "the-code").await;
    mount_issues(&github).await;
    let app = github_app(&github).await;
    to_real_time(&app);
    let browser = Browser::open(&app, "admin", 1280, 900).await;

    // A wrong password is refused in words; the right one opens the integrations.
    browser.goto("/").await;
    sign_in(&browser, ADMIN_EMAIL, "not the password").await;
    browser
        .wait_text("[role=alert]", "do not match an active account")
        .await;
    browser.shot("sign-in-refused").await;
    sign_in(&browser, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    browser.wait_text("h1", "Integrations").await;
    let github_card = "article[data-provider=github][data-scope=global]";
    assert_eq!(
        browser
            .wait_text(
                &format!("{github_card} [data-testid=status]"),
                "not connected"
            )
            .await,
        "not connected"
    );
    browser.wait_text("h2", "Connect your tools").await;
    browser.shot("integrations").await;
    // The session is an HttpOnly cookie: the page's script cannot read it and keeps nothing.
    let visible: Value = browser
        .script(
            "return [document.cookie, window.localStorage.length, window.sessionStorage.length]",
        )
        .await;
    assert_eq!(visible, json!(["", 0, 0]));

    // Setup: the webhook URL to paste at GitHub, and a webhook secret saved write-only.
    browser
        .click_text(&format!("{github_card} a"), "Setup")
        .await;
    browser.wait_text("h1", "Set up GitHub").await;
    assert_eq!(
        browser.value("#webhook-url").await,
        format!("{}/api/integrations/github/webhook", app.address)
    );
    assert_eq!(
        browser.value("#redirect-uri").await,
        format!("{}/api/integrations/github/callback", app.address)
    );
    browser
        .fill("#hook-secret", "a webhook secret of GitHub")
        .await;
    browser.click_text("form.setup button", "Save").await;
    browser.wait_text("[role=status]", "Saved.").await;
    let placeholder = browser
        .find("#hook-secret")
        .await
        .attr("placeholder")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(placeholder, "set — type to replace");
    browser.shot("setup-github").await;

    // Connect: through the provider's consent and back, in words.
    browser.click_text("a", "Back to integrations").await;
    browser
        .click_text(&format!("{github_card} button"), "Connect")
        .await;
    browser
        .wait_text("[role=status]", "GitHub is connected.")
        .await;
    browser
        .wait_text(&format!("{github_card} [data-testid=status]"), "active")
        .await;
    browser.wait_text(github_card, "octocat").await;
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/integrations?connected=github")
    );
    browser.shot("integrations-connected").await;

    // The first meaningful paint of a fresh load of the page, by the browser's own clock.
    browser.goto("/integrations").await;
    browser
        .find(&format!("{github_card} [data-testid=status]"))
        .await;
    let timing: Value = browser
        .script(
            "const mark = performance.getEntriesByName('integrations-rendered')[0];
             const fcp = performance.getEntriesByName('first-contentful-paint')[0];
             return [mark ? mark.startTime : null, fcp ? fcp.startTime : null];",
        )
        .await;
    let line = format!(
        "integrations page (debug server, local, headless Chromium): cards rendered at {} ms, \
         first contentful paint at {} ms\n",
        timing[0], timing[1]
    );
    // cargo keeps a passing test's output to itself: `just test` prints this file afterwards.
    std::fs::create_dir_all(screenshot_dir()).unwrap();
    std::fs::write(screenshot_dir().join("web-timing.txt"), &line).unwrap();
    assert!(
        timing[0].as_f64().is_some(),
        "the page marks when its cards are rendered"
    );

    // Settings: which repositories.
    browser
        .click_text(&format!("{github_card} a"), "Settings")
        .await;
    browser.fill("#repositories", "octocat/hello-world").await;
    browser.click_text("form.setup button", "Save").await;
    browser.wait_text("[role=status]", "Settings saved.").await;
    browser.shot("settings-github").await;

    // Sync now: the run is followed while it runs, then shows what it did.
    browser.click_text("a", "Back to integrations").await;
    browser
        .click_text(&format!("{github_card} button"), "Sync now")
        .await;
    browser.wait_text("h1", "Sync history").await;
    let running = browser.wait_text("[data-testid=sync-run]", "so far").await;
    assert!(running.contains("Sync now"), "{running}");
    browser.shot("sync-running").await;
    let done = browser
        .wait_text("[data-testid=sync-run]", "succeeded")
        .await;
    assert!(
        done.contains("2 created") && done.contains("1 skipped"),
        "{done}"
    );
    browser.shot("sync-history").await;

    // The imported tasks, and the timer started and stopped.
    browser.click_text("nav a", "Time").await;
    browser.wait_text("[data-testid=task]", "Issue 1").await;
    browser.wait_text("[data-testid=task]", "Issue 3").await;
    let link = browser
        .find("[data-testid=task] a.title")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        link.starts_with("https://github.com/octocat/hello-world/issues/"),
        "{link}"
    );
    browser.fill("#timer-notes", "Writing the report").await;
    browser.click_text(".timer button", "Start").await;
    browser.find("[data-testid=timer-elapsed]").await;
    browser
        .wait_text("[data-testid=entry]", "Writing the report")
        .await;
    app.clock.advance(chrono::Duration::seconds(95));
    browser.click_text(".timer button", "Stop").await;
    let entry = browser.wait_text("[data-testid=entry]", "0h 01m").await;
    assert!(
        entry.contains("Writing the report") && entry.contains("timer"),
        "{entry}"
    );
    browser.shot("time").await;
    // An entry edited, then deleted.
    browser
        .click_text("[data-testid=entry] button", "Edit")
        .await;
    browser
        .fill(
            "[data-testid=entry] form input:last-of-type",
            "Report, reviewed",
        )
        .await;
    browser
        .click_text("[data-testid=entry] button", "Save")
        .await;
    browser
        .wait_text("[data-testid=entry] .notes", "Report, reviewed")
        .await;
    browser
        .click_text("[data-testid=entry] button", "Delete")
        .await;
    browser.accept_confirm().await;
    browser.wait_text("[role=status]", "Entry deleted.").await;
    browser
        .wait_text("section[aria-label=Today] p.empty", "No time tracked.")
        .await;

    // Admin: a new person, then deactivated; the deliveries Stint received.
    browser.click_text("nav a", "People").await;
    browser.fill("#new-email", "lin@example.com").await;
    browser.fill("#new-name", "Lin").await;
    browser.fill("#new-password", "a first password").await;
    browser.click_text("form button", "Add person").await;
    browser
        .wait_text("[role=status]", "lin@example.com can sign in now")
        .await;
    browser.wait_text("[data-testid=user]", "Lin").await;
    browser
        .click_text("[data-testid=user] button", "Deactivate")
        .await;
    browser.accept_confirm().await;
    browser
        .wait_text("[role=status]", "Lin is deactivated.")
        .await;
    browser.wait_text("[data-testid=user]", "deactivated").await;
    browser.shot("people").await;
    browser.click_text("nav a", "Deliveries").await;
    browser
        .wait_text("p.empty", "No webhook has arrived yet.")
        .await;
    browser.shot("deliveries").await;

    // Signing out ends the session: the cookie no longer signs anything in.
    browser.click_text("button", "Sign out").await;
    browser.find("#email").await;
    let status = browser
        .client
        .execute_async(
            "const done = arguments[0]; fetch('/api/me').then(r => done(r.status));",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(status, json!(401));
    browser.close().await;
    println!("screenshots: {}", screenshot_dir().display());
}

#[tokio::test]
async fn a_member_connects_and_disconnects_their_own_calendar_on_a_phone() {
    let google = MockServer::start().await;
    mock_oauth(&google).await;
    consenting_authorize_page(&google, "/o/oauth2/v2/auth", "the-code").await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&google)
        .await;
    let env = google_env(&google);
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = spawn_app_with(&vars).await;
    to_real_time(&app);
    app.member("grace@example.com").await;
    let browser = Browser::open(&app, "member", 360, 740).await;

    browser.goto("/integrations").await;
    sign_in(&browser, "grace@example.com", MEMBER_PASSWORD).await;
    let card = "article[data-provider=google_calendar][data-scope=personal]";
    browser
        .wait_text(&format!("{card} [data-testid=status]"), "not connected")
        .await;
    // The organisation's providers are the admin's: a member is told to ask.
    browser
        .wait_text(
            "article[data-provider=slack][data-scope=global]",
            "ask your admin",
        )
        .await;
    browser.shot("integrations-phone").await;

    browser
        .click_text(&format!("{card} button"), "Connect")
        .await;
    browser
        .wait_text("[role=status]", "Google Calendar is connected.")
        .await;
    browser
        .wait_text(&format!("{card} [data-testid=status]"), "active")
        .await;
    // Nothing on the page is wider than the phone.
    let overflow: Value = browser
        .script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
        )
        .await;
    assert_eq!(overflow, json!(0), "the page scrolls sideways at 360 px");
    browser.shot("integrations-phone-connected").await;

    // The calendar page: today's busy time and events, a clash found, time planned.
    let today = chrono::Utc::now().date_naive();
    let at = |h: u32| format!("{today}T{h:02}:00:00Z");
    Mock::given(method("POST"))
        .and(path("/freeBusy"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#freeBusy",
            "calendars": { "primary": { "busy": [{ "start": at(10), "end": at(11) }] } }
        })))
        .mount(&google)
        .await;
    Mock::given(method("GET"))
        .and(path("/calendars/primary/events"))
        .respond_with(listing(
            vec![event("standup", "Standup", &at(10), &at(11))],
            None,
            Some("s1"),
        ))
        .mount(&google)
        .await;
    Mock::given(method("POST"))
        .and(path("/calendars/primary/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(event(
            "block1",
            "[TT] Focus time",
            &at(10),
            &at(12),
        )))
        .mount(&google)
        .await;
    browser.click_text("nav a", "Calendar").await;
    browser.wait_text("[data-testid=busy]", "Busy").await;
    browser.wait_text("[data-testid=event]", "Standup").await;
    browser.set_value("#block-start", "10:30").await;
    browser.set_value("#block-end", "11:30").await;
    browser.click_text("button", "Check for clashes").await;
    browser
        .wait_text("[data-testid=clash]", "1 busy span")
        .await;
    browser.click_text("button", "Put in my calendar").await;
    browser
        .wait_text("[role=status]", "Planned, and put in your calendar.")
        .await;
    browser.shot("calendar-phone").await;
    browser.click_text("nav a", "Integrations").await;

    browser
        .click_text(&format!("{card} button"), "Disconnect")
        .await;
    browser.accept_confirm().await;
    browser
        .wait_text("[role=status]", "Google Calendar is disconnected.")
        .await;
    browser
        .wait_text(&format!("{card} [data-testid=status]"), "not connected")
        .await;
    browser.shot("integrations-phone-disconnected").await;
    browser.close().await;
}

#[tokio::test]
async fn a_member_connects_their_own_github_and_gets_a_webhook_of_their_own() {
    let github = MockServer::start().await;
    mock_token_and_user(&github).await;
    consenting_authorize_page(&github, "/login/oauth/authorize", "the-code").await;
    let app = github_app(&github).await;
    to_real_time(&app);
    let admin = app.admin_token().await;
    app.put(
        "/api/admin/providers/github",
        &admin,
        &json!({ "allow_personal": true }),
    )
    .await
    .ok::<Value>(200);
    app.member("ada@example.com").await;
    let browser = Browser::open(&app, "member-github", 1024, 800).await;

    browser.goto("/integrations").await;
    sign_in(&browser, "ada@example.com", MEMBER_PASSWORD).await;
    let card = "article[data-provider=github][data-scope=personal]";
    browser
        .click_text(&format!("{card} button"), "Connect")
        .await;
    browser
        .wait_text("[role=status]", "GitHub is connected.")
        .await;
    browser
        .wait_text(&format!("{card} [data-testid=status]"), "active")
        .await;

    browser.click_text(&format!("{card} a"), "Settings").await;
    browser
        .click_text("button", "Make a webhook URL and secret")
        .await;
    let url = browser.value("#own-webhook-url").await;
    let secret = browser.value("#own-webhook-secret").await;
    assert!(
        url.starts_with(&format!("{}/api/integrations/github/webhook/", app.address)),
        "{url}"
    );
    assert!(secret.len() >= 32, "a secret worth the name: {secret}");
    browser.shot("own-webhook").await;

    // GitHub stops accepting the token: a banner says so until the member reconnects.
    {
        use sea_orm::{ConnectionTrait, Statement};
        app.stint
            .db
            .execute_raw(Statement::from_string(
                app.stint.db.get_database_backend(),
                "UPDATE integrations SET status = 'needs_reauth', \
                 status_reason = 'GitHub no longer accepts the token' WHERE user_id IS NOT NULL",
            ))
            .await
            .unwrap();
    }
    browser.goto("/integrations").await;
    browser.wait_text(".banner", "Reconnect GitHub").await;
    browser
        .wait_text(card, "GitHub no longer accepts the token")
        .await;
    browser.shot("needs-reauth").await;
    browser
        .click_text(&format!("{card} button"), "Reconnect")
        .await;
    browser
        .wait_text("[role=status]", "GitHub is connected.")
        .await;
    browser
        .wait_text(&format!("{card} [data-testid=status]"), "active")
        .await;
    let banners = browser
        .client
        .find_all(fantoccini::Locator::Css(".banner"))
        .await
        .unwrap();
    assert!(banners.is_empty(), "the banner goes once reconnected");
    browser.close().await;
}

#[tokio::test]
async fn an_entry_across_midnight_keeps_its_times_when_edited_in_the_browser() {
    let app = spawn_app_with(&[]).await;
    to_real_time(&app);
    let admin = app.admin_token().await;
    // From 23:59:25 today to 00:01 tomorrow, by the browser's (the machine's) clock: the page lists
    // this week's days, and today is always one of them.
    let day = chrono::Local::now().date_naive();
    let local = |day: chrono::NaiveDate, h: u32, m: u32, s: u32| {
        day.and_hms_opt(h, m, s)
            .unwrap()
            .and_local_timezone(chrono::Local)
            .earliest()
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let started = local(day, 23, 59, 25);
    let ended = local(day.succ_opt().unwrap(), 0, 1, 0);
    let entry: Value = app
        .post(
            "/api/time-entries",
            &admin,
            &json!({ "started_at": started, "ended_at": ended, "notes": "Night shift" }),
        )
        .await
        .ok(201);
    let id = entry["id"].as_str().unwrap().to_owned();
    let browser = Browser::open(&app, "midnight", 1280, 900).await;
    browser.goto("/time").await;
    sign_in(&browser, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    browser
        .wait_text("[data-testid=entry]", "23:59–00:01")
        .await;

    // Only the notes change: the times keep their seconds, and the end stays on the next day.
    browser
        .click_text("[data-testid=entry] button", "Edit")
        .await;
    browser
        .fill(&format!("#notes-{id}"), "Night shift, reviewed")
        .await;
    browser
        .click_text("[data-testid=entry] button", "Save")
        .await;
    browser
        .wait_text("[data-testid=entry] .notes", "Night shift, reviewed")
        .await;
    assert_eq!(stored_span(&app, &admin, &id).await, (started, ended));

    // A new end earlier in the day than the start is read as after midnight.
    browser
        .click_text("[data-testid=entry] button", "Edit")
        .await;
    browser
        .set_value(&format!("#notes-{id}-end"), "00:30")
        .await;
    browser
        .click_text("[data-testid=entry] button", "Save")
        .await;
    browser
        .wait_text("[data-testid=entry]", "23:59–00:30")
        .await;
    assert_eq!(
        stored_span(&app, &admin, &id).await,
        (started, local(day.succ_opt().unwrap(), 0, 30, 0))
    );
    browser.close().await;
}

/// An entry's start and end as stored.
async fn stored_span(
    app: &TestApp,
    token: &str,
    id: &str,
) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    let entry: Value = app
        .get(&format!("/api/time-entries/{id}"), token)
        .await
        .ok(200);
    let instant = |field: &str| entry[field].as_str().unwrap().parse().unwrap();
    (instant("started_at"), instant("ended_at"))
}
