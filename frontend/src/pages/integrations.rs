//! Integrations, the home page: the organisation's connections and your own, one card per
//! provider, with what each does, how it is and what you can do about it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use leptos_router::hooks::{use_navigate, use_query_map};
use stint_api_types::providers::{
    ApiKeyCredentials, AuthKind, Capability, ConnectStarted, ConnectionTest, Disconnected,
    Integration, IntegrationList, IntegrationScope, IntegrationStatus, ProviderInfo, ProviderKey,
};
use stint_api_types::webhooks::{SyncStarted, SyncStatus};

use crate::api;
use crate::format::{ago, counts, initials, moment, status_word};
use crate::notice::{Notice, NoticeLine};
use crate::session::use_session;

/// What the OAuth callback's `?error=` means, in words.
fn callback_error(reason: &str) -> &'static str {
    match reason {
        "access_denied" => "you declined access at the provider",
        "invalid_state" => {
            "the link was already used or was started in another browser; connect again"
        }
        "state_expired" => "more than ten minutes passed; connect again",
        "provider_error" => "the provider reported an error",
        "token_exchange_failed" => {
            "the provider did not accept the authorization; an admin should check the app's client id, secret and redirect URI"
        }
        "identity_failed" => "the provider did not say which account was connected",
        "not_configured" => "an admin has not finished setting up this provider",
        "not_allowed" => "your account may no longer connect this; ask an admin",
        _ => "something failed inside Stint; the server log has the details",
    }
}

fn does(capabilities: &[Capability]) -> String {
    let words: Vec<&str> = capabilities
        .iter()
        .map(|c| match c {
            Capability::Issues => "issues become tasks",
            Capability::Calendar => "calendar events become time entries",
            Capability::Notifications => "notifications and the timer from chat",
            Capability::Accounting => "invoices from tracked time",
            Capability::Crm => "time against deals and companies",
        })
        .collect();
    let mut text = words.join("; ");
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    text
}

fn display_name(providers: &[ProviderInfo], key: ProviderKey) -> String {
    providers
        .iter()
        .find(|p| p.key == key)
        .map(|p| p.display_name.clone())
        .unwrap_or_else(|| key.to_string())
}

#[component]
pub fn Integrations() -> impl IntoView {
    let session = use_session();
    let notice = RwSignal::new(None::<Notice>);
    let providers = LocalResource::new(|| api::get::<Vec<ProviderInfo>>("/api/providers"));
    let integrations = LocalResource::new(|| api::get::<IntegrationList>("/api/integrations"));
    let reload = move || integrations.refetch();

    // The OAuth callback comes back with `?connected=` or `?error=`: say it in words once.
    let query = use_query_map();
    Effect::new(move || {
        let query = query.get();
        let names = providers.get().and_then(Result::ok).unwrap_or_default();
        let name_of = |raw: Option<String>| {
            raw.and_then(|k| ProviderKey::parse(&k))
                .map(|k| display_name(&names, k))
                .unwrap_or_else(|| "The provider".to_owned())
        };
        if let Some(connected) = query.get("connected") {
            notice.set(Some(Notice::Done(format!(
                "{} is connected.",
                name_of(Some(connected))
            ))));
        } else if let Some(error) = query.get("error") {
            notice.set(Some(Notice::Failed(format!(
                "{} was not connected: {}.",
                name_of(query.get("provider")),
                callback_error(&error)
            ))));
        }
    });

    // The first time the cards are on screen, mark it: the browser tests read this mark to report
    // the page's first meaningful paint.
    Effect::new(move || {
        if providers.with(Option::is_some)
            && integrations.with(Option::is_some)
            && let Some(performance) = window().performance()
            && performance
                .get_entries_by_name("integrations-rendered")
                .length()
                == 0
        {
            let _ = performance.mark("integrations-rendered");
        }
    });

    let content = move || {
        let (Some(providers), Some(list)) = (providers.get(), integrations.get()) else {
            return view! { <p class="loading" aria-busy="true">"Loading integrations…"</p> }
                .into_any();
        };
        let (providers, list) = match (providers, list) {
            (Ok(p), Ok(l)) => (p, l),
            (Err(e), _) | (_, Err(e)) => {
                return view! { <p class="notice error" role="alert">{e.detail}</p> }.into_any();
            }
        };
        let admin = session.is_admin();
        let reauth: Vec<String> = list
            .global
            .iter()
            .chain(list.personal.iter())
            .filter(|i| i.status == IntegrationStatus::NeedsReauth)
            .map(|i| display_name(&providers, i.provider))
            .collect();
        let nothing_yet = list
            .personal
            .iter()
            .chain(list.global.iter())
            .all(|i| i.status == IntegrationStatus::Revoked);
        let section = |scope: IntegrationScope, connections: &[Integration]| {
            providers
                .iter()
                .filter(|p| {
                    p.modes.contains(&scope) || connections.iter().any(|c| c.provider == p.key)
                })
                .map(|p| {
                    let connection = connections.iter().find(|c| c.provider == p.key).cloned();
                    view! { <Card provider=p.clone() scope connection admin notice reload/> }
                })
                .collect_view()
        };
        let organisation = section(IntegrationScope::Global, &list.global);
        let personal = section(IntegrationScope::Personal, &list.personal);
        view! {
            {(!reauth.is_empty()).then(|| view! {
                <div class="banner" role="alert">
                    {format!("Reconnect {}: Stint can no longer use the connection until you do.", reauth.join(", "))}
                </div>
            })}
            {nothing_yet.then(|| view! {
                <section class="onboarding">
                    <h2>"Connect your tools"</h2>
                    <p>"Stint turns what happens in your tools into tasks, time entries and calendar events. Connect the ones you use below; each card says what it does."</p>
                </section>
            })}
            <section aria-labelledby="org-heading">
                <h2 id="org-heading">"Organisation"</h2>
                <p class="hint">"Connected once for everyone by an admin."</p>
                <div class="cards">{organisation}</div>
            </section>
            <section aria-labelledby="personal-heading">
                <h2 id="personal-heading">"Personal"</h2>
                <p class="hint">"Your own accounts: only you and Stint act through them."</p>
                <div class="cards">{personal}</div>
            </section>
        }
        .into_any()
    };

    view! {
        <h1>"Integrations"</h1>
        <NoticeLine notice/>
        {content}
    }
}

#[component]
fn Card(
    provider: ProviderInfo,
    scope: IntegrationScope,
    connection: Option<Integration>,
    admin: bool,
    notice: RwSignal<Option<Notice>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let key = provider.key;
    let name = provider.display_name.clone();
    let scope_param = scope.as_str();
    let live = connection
        .as_ref()
        .filter(|c| c.status != IntegrationStatus::Revoked);
    let status = live.map(|c| c.status);
    let may_act = scope == IntegrationScope::Personal || admin;
    let busy = RwSignal::new(false);
    let trello_form = RwSignal::new(false);
    let navigate = use_navigate();

    let connect = {
        let name = name.clone();
        move |_| {
            let name = name.clone();
            busy.set(true);
            spawn_local(async move {
                match api::get::<ConnectStarted>(&format!(
                    "/api/integrations/{key}/connect?scope={scope_param}"
                ))
                .await
                {
                    Ok(started) => {
                        let _ = window().location().set_href(&started.authorization_url);
                    }
                    Err(err) => {
                        notice.set(Some(Notice::Failed(format!(
                            "{name} could not be connected: {}",
                            err.detail
                        ))));
                        busy.set(false);
                    }
                }
            });
        }
    };
    let disconnect = {
        let name = name.clone();
        move |_| {
            let question =
                format!("Disconnect {name}? Stint forgets its tokens and stops syncing.");
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
            let name = name.clone();
            busy.set(true);
            spawn_local(async move {
                let path = format!("/api/integrations/{key}/disconnect?scope={scope_param}");
                match api::post::<_, Disconnected>(&path, &serde_json::json!({})).await {
                    Ok(done) => {
                        let text = match done.revoke_error {
                            None => format!("{name} is disconnected."),
                            Some(why) => format!(
                                "{name} is disconnected here; revoking at the provider failed ({why}), so remove Stint's access there too."
                            ),
                        };
                        notice.set(Some(Notice::Done(text)));
                        reload();
                    }
                    Err(err) => notice.set(Some(Notice::Failed(err.detail))),
                }
                busy.set(false);
            });
        }
    };
    let test = {
        let name = name.clone();
        move |_| {
            let name = name.clone();
            busy.set(true);
            spawn_local(async move {
                let path = format!("/api/integrations/{key}/test?scope={scope_param}");
                match api::post::<_, ConnectionTest>(&path, &serde_json::json!({})).await {
                    Ok(t) if t.ok => notice.set(Some(Notice::Done(format!(
                        "{name} answered in {} ms.",
                        t.latency_ms
                    )))),
                    Ok(t) => notice.set(Some(Notice::Failed(format!(
                        "{name} did not answer as expected: {}",
                        t.error.unwrap_or_else(|| "no reason given".to_owned())
                    )))),
                    Err(err) => notice.set(Some(Notice::Failed(err.detail))),
                }
                reload();
                busy.set(false);
            });
        }
    };
    let sync = move |_| {
        let navigate = navigate.clone();
        busy.set(true);
        spawn_local(async move {
            let path = format!("/api/integrations/{key}/sync?scope={scope_param}");
            match api::post::<_, SyncStarted>(&path, &serde_json::json!({})).await {
                Ok(_) => navigate(
                    &format!("/integrations/{key}/history?scope={scope_param}"),
                    Default::default(),
                ),
                Err(err) => notice.set(Some(Notice::Failed(err.detail))),
            }
            busy.set(false);
        });
    };

    let oauth = provider.auth_kind == AuthKind::Oauth2;
    let has_settings = matches!(
        key,
        ProviderKey::Github
            | ProviderKey::Slack
            | ProviderKey::MicrosoftTeams
            | ProviderKey::GoogleCalendar
            | ProviderKey::OutlookCalendar
    );
    let has_sync = provider
        .capabilities
        .iter()
        .any(|c| matches!(c, Capability::Issues | Capability::Calendar));
    let actions = if !provider.configured {
        if admin {
            view! { <a href=format!("/admin/providers/{key}") class="button">"Set up"</a> }
                .into_any()
        } else {
            view! { <p class="hint">"Not set up yet: ask your admin."</p> }.into_any()
        }
    } else if !may_act {
        let chat = provider.capabilities.contains(&Capability::Notifications) && status.is_some();
        view! {
            <p class="hint">"Managed by your admin."</p>
            {chat.then(|| view! { <a href=format!("/integrations/{key}/settings?scope={scope_param}")>"Your notifications"</a> })}
        }
        .into_any()
    } else {
        let connected = status.is_some();
        let reconnect = matches!(
            status,
            Some(IntegrationStatus::NeedsReauth | IntegrationStatus::Error)
        );
        let connect_label = if reconnect { "Reconnect" } else { "Connect" };
        view! {
            {(!connected || reconnect).then(|| if oauth {
                view! { <button type="button" class="primary" on:click=connect.clone() prop:disabled=move || busy.get()>{connect_label}</button> }.into_any()
            } else {
                view! { <button type="button" class="primary" on:click=move |_| trello_form.update(|v| *v = !*v)>{connect_label}</button> }.into_any()
            })}
            {connected.then(|| view! {
                <button type="button" on:click=test.clone() prop:disabled=move || busy.get()>"Test"</button>
            })}
            {(connected && has_sync).then(|| view! {
                <button type="button" on:click=sync.clone() prop:disabled=move || busy.get()>"Sync now"</button>
                <a href=format!("/integrations/{key}/history?scope={scope_param}")>"Sync history"</a>
            })}
            {(connected && has_settings).then(|| view! {
                <a href=format!("/integrations/{key}/settings?scope={scope_param}")>"Settings"</a>
            })}
            {connected.then(|| view! {
                <button type="button" class="danger" on:click=disconnect.clone() prop:disabled=move || busy.get()>"Disconnect"</button>
            })}
            {(admin && scope == IntegrationScope::Global).then(|| view! {
                <a href=format!("/admin/providers/{key}")>"Setup"</a>
            })}
        }
        .into_any()
    };

    let word = status_word(status);
    let reason = live.and_then(|c| c.status_reason.clone());
    let details = live.map(|c| {
        let account = c.external_account.clone();
        let since = c.connected_at.map(moment);
        let used = c.last_used_at.map(ago);
        let last_sync = c.last_sync.as_ref().map(|run| {
            let outcome = match run.status {
                SyncStatus::Failed => format!("failed: {}", run.error.clone().unwrap_or_default()),
                SyncStatus::Succeeded => counts(run),
                _ => "in progress".to_owned(),
            };
            format!("{} ({outcome})", ago(run.queued_at))
        });
        view! {
            <dl>
                {account.map(|a| view! { <dt>"Account"</dt><dd>{a}</dd> })}
                {since.map(|s| view! { <dt>"Since"</dt><dd>{s}</dd> })}
                <dt>"Last used"</dt><dd>{used.unwrap_or_else(|| "never".to_owned())}</dd>
                {has_sync.then(|| view! { <dt>"Last sync"</dt><dd>{last_sync.unwrap_or_else(|| "never".to_owned())}</dd> })}
            </dl>
        }
    });

    view! {
        <article class="card" data-provider=key.as_str() data-scope=scope_param aria-labelledby=format!("{key}-{scope_param}-name")>
            <header>
                <span class="logo" aria-hidden="true">{initials(&name)}</span>
                <h3 id=format!("{key}-{scope_param}-name")>{name.clone()}</h3>
                <span class=format!("badge {}", word.replace(' ', "-")) data-testid="status">{word}</span>
            </header>
            <p class="does">{does(&provider.capabilities)}</p>
            {reason.map(|r| view! { <p class="reason">{r}</p> })}
            {details}
            <div class="actions">{actions}</div>
            {move || trello_form.get().then(|| view! { <ApiKeyForm provider=key scope notice reload/> })}
        </article>
    }
}

/// Trello and other API-key providers: the key and token, checked by Stint before they are saved.
#[component]
fn ApiKeyForm(
    provider: ProviderKey,
    scope: IntegrationScope,
    notice: RwSignal<Option<Notice>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let api_key = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = ApiKeyCredentials {
            api_key: api_key.get_untracked(),
            token: token.get_untracked(),
        };
        spawn_local(async move {
            let path = format!(
                "/api/integrations/{provider}/credentials?scope={}",
                scope.as_str()
            );
            match api::post::<_, Integration>(&path, &body).await {
                Ok(_) => {
                    notice.set(Some(Notice::Done("Connected.".to_owned())));
                    reload();
                }
                Err(err) => notice.set(Some(Notice::Failed(err.detail))),
            }
        });
    };
    let id = format!("{provider}-{}", scope.as_str());
    view! {
        <form class="inline" on:submit=submit>
            <label for=format!("{id}-key")>"API key"</label>
            <input id=format!("{id}-key") type="password" autocomplete="off" on:input=move |ev| api_key.set(event_target_value(&ev))/>
            <label for=format!("{id}-token")>"Token"</label>
            <input id=format!("{id}-token") type="password" autocomplete="off" on:input=move |ev| token.set(event_target_value(&ev))/>
            <button type="submit" class="primary">"Save and connect"</button>
        </form>
    }
}
