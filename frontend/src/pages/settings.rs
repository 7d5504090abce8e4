//! A connection's settings: GitHub repositories, their projects and a label filter; the Slack
//! channel and your own summary; a calendar, its direction and how far back.

use leptos::prelude::*;
use leptos::task::spawn_local;

use leptos_router::hooks::{use_params_map, use_query_map};
use stint_api_types::providers::{
    CalendarSettings, ConnectionWebhook, GithubSettings, Integration, IntegrationSettings,
    ProviderKey, SlackSettings, SyncDirection,
};
use stint_api_types::tracking::Project;
use stint_api_types::users::NotificationSettings;
use stint_api_types::{Page, ProjectId};

use crate::api;
use crate::notice::{Notice, NoticeLine};
use crate::pages::setup::CopyField;

/// Saves settings and says how it went.
fn save(
    key: ProviderKey,
    scope: String,
    settings: IntegrationSettings,
    notice: RwSignal<Option<Notice>>,
) {
    spawn_local(async move {
        let path = format!("/api/integrations/{key}/config?scope={scope}");
        match api::put::<_, Integration>(&path, &settings).await {
            Ok(_) => notice.set(Some(Notice::Done("Settings saved.".to_owned()))),
            Err(err) => notice.set(Some(Notice::Failed(err.detail))),
        }
    });
}

#[component]
pub fn Settings() -> impl IntoView {
    let session = crate::session::use_session();
    let params = use_params_map();
    let query = use_query_map();
    let provider = move || params.with(|p| p.get("provider").and_then(|k| ProviderKey::parse(&k)));
    let scope = move || {
        query
            .with(|q| q.get("scope"))
            .filter(|s| s == "global" || s == "personal")
            .unwrap_or_else(|| "personal".to_owned())
    };
    let notice = RwSignal::new(None::<Notice>);
    let connection = LocalResource::new(move || {
        let (key, scope) = (provider(), scope());
        async move {
            match key {
                Some(key) => api::get::<Integration>(&format!(
                    "/api/integrations/{key}/status?scope={scope}"
                ))
                .await
                .map(Some),
                None => Ok(None),
            }
        }
    });
    let projects = LocalResource::new(|| async {
        api::get::<Page<Project>>("/api/projects?limit=200")
            .await
            .map(|p| p.items)
            .unwrap_or_default()
    });

    view! {
        <h1>{move || format!("Settings: {}", provider().map(|k| k.to_string()).unwrap_or_default())}</h1>
        <p><a href="/integrations">"Back to integrations"</a></p>
        <NoticeLine notice/>
        {move || match connection.get() {
            None => view! { <p class="loading" aria-busy="true">"Loading…"</p> }.into_any(),
            Some(Err(err)) => view! { <p class="notice error" role="alert">{err.detail}</p> }.into_any(),
            Some(Ok(None)) => view! { <p>"Unknown provider."</p> }.into_any(),
            Some(Ok(Some(connection))) => {
                let scope = scope();
                let config = connection.config.clone();
                match connection.provider {
                    ProviderKey::Github => {
                        let current: GithubSettings = serde_json::from_value(config).unwrap_or_default();
                        let personal = scope == "personal";
                        view! {
                            <GithubForm current scope projects notice/>
                            {personal.then(|| view! { <OwnWebhook notice/> })}
                        }
                        .into_any()
                    }
                    // A member sees only their own notifications of the organisation's chat.
                    ProviderKey::Slack | ProviderKey::MicrosoftTeams if scope == "global" && !session.is_admin() => {
                        view! { <MySummary notice/> }.into_any()
                    }
                    ProviderKey::Slack | ProviderKey::MicrosoftTeams => {
                        let current: SlackSettings = serde_json::from_value(config).unwrap_or_default();
                        view! { <ChatForm key=connection.provider current scope notice/> }.into_any()
                    }
                    ProviderKey::GoogleCalendar | ProviderKey::OutlookCalendar => {
                        let current: CalendarSettings = serde_json::from_value(config).unwrap_or_default();
                        view! { <CalendarForm key=connection.provider current scope projects notice/> }.into_any()
                    }
                    _ => view! { <p class="empty">"This connection has no settings yet."</p> }.into_any(),
                }
            }
        }}
    }
}

/// A project to choose, or none.
#[component]
pub fn ProjectSelect(
    id: String,
    label: String,
    projects: LocalResource<Vec<Project>>,
    chosen: RwSignal<String>,
    none: &'static str,
) -> impl IntoView {
    view! {
        <label for=id.clone()>{label}</label>
        <select id=id on:change=move |ev| chosen.set(event_target_value(&ev))>
            <option value="">{none}</option>
            {move || projects.get().unwrap_or_default().into_iter().filter(|p| !p.archived).map(|p| {
                let value = p.id.to_string();
                let selected = chosen.get_untracked() == value;
                view! { <option value=value selected=selected>{p.name}</option> }
            }).collect_view()}
        </select>
    }
}

#[component]
fn GithubForm(
    current: GithubSettings,
    scope: String,
    projects: LocalResource<Vec<Project>>,
    notice: RwSignal<Option<Notice>>,
) -> impl IntoView {
    let repositories = RwSignal::new(current.repositories.join("\n"));
    let label = RwSignal::new(current.label_filter.clone().unwrap_or_default());
    // One project choice per repository listed when the page opened.
    let mapping: Vec<(String, RwSignal<String>)> = current
        .repositories
        .iter()
        .map(|repo| {
            let chosen = current
                .repository_projects
                .get(repo)
                .map(ToString::to_string)
                .unwrap_or_default();
            (repo.clone(), RwSignal::new(chosen))
        })
        .collect();
    let chosen = mapping.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let repositories: Vec<String> = repositories
            .get_untracked()
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        let repository_projects = chosen
            .iter()
            .filter(|(repo, _)| repositories.contains(repo))
            .filter_map(|(repo, project)| {
                project
                    .get_untracked()
                    .parse::<ProjectId>()
                    .ok()
                    .map(|p| (repo.clone(), p))
            })
            .collect();
        let settings = GithubSettings {
            repositories,
            label_filter: Some(label.get_untracked().trim().to_owned()).filter(|l| !l.is_empty()),
            repository_projects,
        };
        save(
            ProviderKey::Github,
            scope.clone(),
            IntegrationSettings::Github(settings),
            notice,
        );
    };
    view! {
        <form class="setup" on:submit=submit>
            <label for="repositories">"Repositories (owner/repo, one per line)"</label>
            <textarea id="repositories" rows="4" prop:value=move || repositories.get()
                on:input=move |ev| repositories.set(event_target_value(&ev))></textarea>
            <label for="label-filter">"Only issues with this label (optional)"</label>
            <input id="label-filter" prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev))/>
            {mapping.into_iter().enumerate().map(|(i, (repo, chosen))| view! {
                <ProjectSelect id=format!("repo-project-{i}") label=format!("Project for {repo}") projects chosen none="A project named after the repository"/>
            }).collect_view()}
            <div class="actions"><button type="submit" class="primary">"Save"</button></div>
        </form>
    }
}

#[component]
fn ChatForm(
    key: ProviderKey,
    current: SlackSettings,
    scope: String,
    notice: RwSignal<Option<Notice>>,
) -> impl IntoView {
    let channel = RwSignal::new(current.channel.clone().unwrap_or_default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let settings = SlackSettings {
            channel: Some(channel.get_untracked().trim().to_owned()).filter(|c| !c.is_empty()),
            daily_summary_time: current.daily_summary_time.clone(),
        };
        save(
            key,
            scope.clone(),
            IntegrationSettings::Slack(settings),
            notice,
        );
    };
    view! {
        <form class="setup" on:submit=submit>
            <label for="channel">"Channel for timer notifications (#channel or an id)"</label>
            <input id="channel" prop:value=move || channel.get() on:input=move |ev| channel.set(event_target_value(&ev))/>
            <div class="actions"><button type="submit" class="primary">"Save"</button></div>
        </form>
        <MySummary notice/>
    }
}

/// The member's own notifications: timer messages and the daily summary.
#[component]
fn MySummary(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let current = LocalResource::new(|| api::get::<NotificationSettings>("/api/me/notifications"));
    move || {
        let Some(Ok(settings)) = current.get() else {
            return view! { <p class="loading">"Loading your notifications…"</p> }.into_any();
        };
        let timer = RwSignal::new(settings.timer_notifications);
        let summary = RwSignal::new(settings.daily_summary_enabled);
        let at = RwSignal::new(
            settings
                .daily_summary_time
                .clone()
                .unwrap_or_else(|| "17:30".to_owned()),
        );
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let body = NotificationSettings {
                timer_notifications: timer.get_untracked(),
                daily_summary_enabled: summary.get_untracked(),
                daily_summary_time: Some(at.get_untracked()).filter(|t| !t.is_empty()),
            };
            spawn_local(async move {
                match api::put::<_, NotificationSettings>("/api/me/notifications", &body).await {
                    Ok(_) => notice.set(Some(Notice::Done(
                        "Your notifications are saved.".to_owned(),
                    ))),
                    Err(err) => notice.set(Some(Notice::Failed(err.detail))),
                }
            });
        };
        view! {
            <h2>"Your notifications"</h2>
            <form class="setup" on:submit=submit>
                <label class="check"><input type="checkbox" prop:checked=move || timer.get() on:change=move |ev| timer.set(event_target_checked(&ev))/>"A message when my timer starts or stops"</label>
                <label class="check"><input type="checkbox" prop:checked=move || summary.get() on:change=move |ev| summary.set(event_target_checked(&ev))/>"A summary of my day"</label>
                <label for="summary-time">"Summary time (your time zone)"</label>
                <input id="summary-time" type="time" prop:value=move || at.get() on:input=move |ev| at.set(event_target_value(&ev))/>
                <div class="actions"><button type="submit" class="primary">"Save my notifications"</button></div>
            </form>
        }
        .into_any()
    }
}

#[component]
fn CalendarForm(
    key: ProviderKey,
    current: CalendarSettings,
    scope: String,
    projects: LocalResource<Vec<Project>>,
    notice: RwSignal<Option<Notice>>,
) -> impl IntoView {
    let calendar = RwSignal::new(current.calendar_id.clone());
    let direction = RwSignal::new(current.sync_direction);
    let days = RwSignal::new(current.sync_days_back.to_string());
    let project = RwSignal::new(
        current
            .project_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(days_back) = days.get_untracked().trim().parse::<i64>() else {
            notice.set(Some(Notice::Failed(
                "Days back must be a whole number from 1 to 30.".to_owned(),
            )));
            return;
        };
        let settings = CalendarSettings {
            calendar_id: Some(calendar.get_untracked().trim().to_owned())
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "primary".to_owned()),
            sync_direction: direction.get_untracked(),
            sync_days_back: days_back,
            project_id: project.get_untracked().parse::<ProjectId>().ok(),
        };
        save(
            key,
            scope.clone(),
            IntegrationSettings::Calendar(settings),
            notice,
        );
    };
    let options = [
        (
            SyncDirection::Import,
            "import",
            "Import: events become time entries",
        ),
        (
            SyncDirection::Export,
            "export",
            "Export: time entries become events",
        ),
        (SyncDirection::Both, "both", "Both"),
    ];
    view! {
        <form class="setup" on:submit=submit>
            <label for="calendar-id">"Calendar (primary, or its id)"</label>
            <input id="calendar-id" prop:value=move || calendar.get() on:input=move |ev| calendar.set(event_target_value(&ev))/>
            <label for="direction">"Direction"</label>
            <select id="direction" on:change=move |ev| {
                let value = event_target_value(&ev);
                if let Some((d, _, _)) = options.iter().find(|(_, v, _)| *v == value) { direction.set(*d); }
            }>
                {options.iter().map(|(d, value, text)| {
                    let selected = *d == current.sync_direction;
                    view! { <option value=*value selected=selected>{*text}</option> }
                }).collect_view()}
            </select>
            <label for="days-back">"Days back (1–30)"</label>
            <input id="days-back" type="number" min="1" max="30" prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/>
            <ProjectSelect id="calendar-project".to_owned() label="File imported entries under".to_owned() projects chosen=project none="No project"/>
            <div class="actions"><button type="submit" class="primary">"Save"</button></div>
        </form>
    }
}

/// A member's own GitHub connection: a webhook URL and secret of its own, shown once.
#[component]
fn OwnWebhook(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let made = RwSignal::new(None::<ConnectionWebhook>);
    let make = move |_| {
        spawn_local(async move {
            match api::post::<_, ConnectionWebhook>("/api/integrations/github/webhook-secret", &())
                .await
            {
                Ok(webhook) => made.set(Some(webhook)),
                Err(err) => notice.set(Some(Notice::Failed(err.detail))),
            }
        });
    };
    view! {
        <h2>"Your repositories' webhooks"</h2>
        <p class="hint">"Point a repository's webhook at your own URL: its issues become your tasks as they change. The secret is shown once; making a new one stops the old one."</p>
        {move || match made.get() {
            Some(webhook) => view! {
                <CopyField label="Your webhook URL" id="own-webhook-url" value=webhook.webhook_url/>
                <CopyField label="Its secret (shown once)" id="own-webhook-secret" value=webhook.secret/>
            }.into_any(),
            None => view! { <button type="button" on:click=make>"Make a webhook URL and secret"</button> }.into_any(),
        }}
    }
}
