//! An admin sets up a provider's app: the credentials Stint uses and what to paste at the provider.

use leptos::prelude::*;
use leptos::task::spawn_local;

use leptos_router::hooks::use_params_map;
use stint_api_types::providers::{AuthKind, ProviderApp, ProviderKey, UpdateProviderApp};

use crate::api;
use crate::notice::{Notice, NoticeLine};
use crate::session::use_session;

fn steps(provider: ProviderKey) -> &'static str {
    match provider {
        ProviderKey::Github => {
            "In GitHub: Settings → Developer settings → OAuth Apps → New OAuth App. Paste the redirect URI as the callback URL, then copy the client id and a new client secret here. For webhooks, add the webhook URL to each repository (content type application/json) with the same secret as below."
        }
        ProviderKey::Slack => {
            "At api.slack.com/apps: create an app, add the redirect URI under OAuth & Permissions, copy the client id, client secret and signing secret here, and point Event Subscriptions and the /tt slash command at the webhook URL."
        }
        ProviderKey::GoogleCalendar => {
            "In Google Cloud Console: APIs & Services → Credentials → OAuth client ID (web application). Add the redirect URI, enable the Google Calendar API, and copy the client id and secret here."
        }
        ProviderKey::OutlookCalendar | ProviderKey::MicrosoftTeams => {
            "In Microsoft Entra: App registrations → New registration. Add the redirect URI as a Web platform redirect, create a client secret, and copy the application (client) id and secret here."
        }
        ProviderKey::Trello => {
            "At trello.com/power-ups/admin: create a Power-Up, generate an API key, and enter it here. Each member then connects with the key and their own token."
        }
        _ => {
            "Register an OAuth app at the provider with the redirect URI below, then copy its client id and secret here."
        }
    }
}

#[component]
pub fn CopyField(label: &'static str, id: &'static str, value: String) -> impl IntoView {
    let copied = RwSignal::new(None::<&'static str>);
    let text = value.clone();
    let copy = move |_| {
        // Browsers offer the clipboard only on https and localhost; elsewhere, say so.
        let navigator = window().navigator();
        if js_sys::Reflect::has(&navigator, &"clipboard".into()).unwrap_or(false) {
            let _ = navigator.clipboard().write_text(&text);
            copied.set(Some("Copied"));
        } else {
            copied.set(Some("Select the text and copy it"));
        }
    };
    view! {
        <div class="copy">
            <label for=id>{label}</label>
            <input id=id readonly value=value/>
            <button type="button" on:click=copy aria-label=format!("Copy {label}")>
                {move || copied.get().unwrap_or("Copy")}
            </button>
        </div>
    }
}

#[component]
pub fn Setup() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let provider = move || params.with(|p| p.get("provider").and_then(|k| ProviderKey::parse(&k)));
    let app = LocalResource::new(move || {
        let key = provider();
        async move {
            match key {
                Some(key) => api::get::<ProviderApp>(&format!("/api/admin/providers/{key}"))
                    .await
                    .map(Some),
                None => Ok(None),
            }
        }
    });
    let notice = RwSignal::new(None::<Notice>);

    move || {
        if !session.is_admin() {
            return view! { <h1>"Setup"</h1><p>"Only admins set up providers. Ask your admin."</p> }.into_any();
        }
        match app.get() {
            None => view! { <p class="loading" aria-busy="true">"Loading…"</p> }.into_any(),
            Some(Ok(None)) => view! { <h1>"Unknown provider"</h1><a href="/integrations">"Back to integrations"</a> }.into_any(),
            Some(Err(err)) => view! { <p class="notice error" role="alert">{err.detail}</p> }.into_any(),
            Some(Ok(Some(current))) => view! { <SetupForm current notice reload=move || app.refetch()/> }.into_any(),
        }
    }
}

#[component]
fn SetupForm(
    current: ProviderApp,
    notice: RwSignal<Option<Notice>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let key = current.provider;
    let client_id = RwSignal::new(current.client_id.clone().unwrap_or_default());
    let client_secret = RwSignal::new(String::new());
    let hook_secret = RwSignal::new(String::new());
    let api_key = RwSignal::new(String::new());
    let enabled = RwSignal::new(current.enabled);
    let allow_personal = RwSignal::new(current.allow_personal);
    let oauth = current.auth_kind == AuthKind::Oauth2;
    // Slack signs with a signing secret; every other webhook sender with a shared secret.
    let signs = key == ProviderKey::Slack;
    let hook_set = if signs {
        current.signing_secret_set
    } else {
        current.webhook_secret_set
    };
    let has_webhook = current.webhook_url.is_some();
    let placeholder = |set: bool| {
        if set {
            "set — type to replace"
        } else {
            "not set"
        }
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let written =
            |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.is_empty()).map(Some);
        let hook = written(hook_secret);
        let update = UpdateProviderApp {
            client_id: oauth.then(|| {
                Some(client_id.get_untracked().trim().to_owned()).filter(|v| !v.is_empty())
            }),
            client_secret: written(client_secret),
            webhook_secret: if signs { None } else { hook.clone() },
            signing_secret: if signs { hook } else { None },
            api_key: written(api_key),
            enabled: Some(enabled.get_untracked()),
            allow_personal: Some(allow_personal.get_untracked()),
        };
        spawn_local(async move {
            match api::put::<_, ProviderApp>(&format!("/api/admin/providers/{key}"), &update).await
            {
                Ok(_) => {
                    notice.set(Some(Notice::Done("Saved.".to_owned())));
                    reload();
                }
                Err(err) => notice.set(Some(Notice::Failed(err.detail))),
            }
        });
    };

    view! {
        <h1>{format!("Set up {}", current.display_name)}</h1>
        <p class="steps">{steps(key)}</p>
        <NoticeLine notice/>
        <section class="paste" aria-label="Paste at the provider">
            {oauth.then(|| view! { <CopyField label="Redirect URI" id="redirect-uri" value=current.redirect_uri.clone()/> })}
            {current.webhook_url.clone().map(|url| view! { <CopyField label="Webhook URL" id="webhook-url" value=url/> })}
        </section>
        <form class="setup" on:submit=save>
            {oauth.then(|| view! {
                <label for="client-id">"Client id"</label>
                <input id="client-id" autocomplete="off" prop:value=move || client_id.get() on:input=move |ev| client_id.set(event_target_value(&ev))/>
                <label for="client-secret">"Client secret"</label>
                <input id="client-secret" type="password" autocomplete="new-password" placeholder=placeholder(current.client_secret_set)
                    prop:value=move || client_secret.get() on:input=move |ev| client_secret.set(event_target_value(&ev))/>
            })}
            {(!oauth).then(|| view! {
                <label for="api-key">"API key"</label>
                <input id="api-key" type="password" autocomplete="off" placeholder=placeholder(current.api_key_set)
                    prop:value=move || api_key.get() on:input=move |ev| api_key.set(event_target_value(&ev))/>
            })}
            {has_webhook.then(|| view! {
                <label for="hook-secret">{if signs { "Signing secret" } else { "Webhook secret" }}</label>
                <input id="hook-secret" type="password" autocomplete="new-password" placeholder=placeholder(hook_set)
                    prop:value=move || hook_secret.get() on:input=move |ev| hook_secret.set(event_target_value(&ev))/>
            })}
            <label class="check"><input type="checkbox" prop:checked=move || enabled.get() on:change=move |ev| enabled.set(event_target_checked(&ev))/>"Enabled"</label>
            <label class="check"><input type="checkbox" prop:checked=move || allow_personal.get() on:change=move |ev| allow_personal.set(event_target_checked(&ev))/>"Members may connect their own account"</label>
            <div class="actions">
                <button type="submit" class="primary">"Save"</button>
                <a href="/integrations">"Back to integrations"</a>
            </div>
        </form>
        <p class="hint">{format!("Status: {}.", if current.configured { "ready to connect" } else { "not set up yet" })}</p>
    }
}
