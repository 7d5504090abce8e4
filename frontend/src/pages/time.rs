//! Your time: today's entries and the week's, where each came from, and adding, editing and
//! deleting entries. Tasks imported from your tools are listed with their source.

use chrono::{Datelike, Duration, Local, NaiveDate, NaiveTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use stint_api_types::tracking::{
    CreateTimeEntry, Project, Task, TimeEntry, TimeEntrySource, UpdateTimeEntry,
};
use stint_api_types::{Page, ProjectId};

use crate::api;
use crate::format::{day_heading, end_after, hours, instant, instant_at, retyped, time_of_day};
use crate::notice::{Notice, NoticeLine};
use crate::pages::settings::ProjectSelect;
use crate::session::use_session;
use crate::timer::TimerChanged;

fn source_word(source: TimeEntrySource) -> String {
    serde_json::to_value(source)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

#[component]
pub fn Time() -> impl IntoView {
    let session = use_session();
    let notice = RwSignal::new(None::<Notice>);
    let timer_changed = expect_context::<TimerChanged>();
    let today = Local::now().date_naive();
    let week_start = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let from = instant(week_start, NaiveTime::MIN).unwrap_or_else(Utc::now);
    let me = session
        .user
        .with_untracked(|u| u.as_ref().map(|u| u.id.to_string()))
        .unwrap_or_default();
    let entries = LocalResource::new(move || {
        timer_changed.0.track();
        let path = format!(
            "/api/time-entries?limit=200&user_id={}&from={}",
            api::query_value(&me),
            api::query_value(&from.to_rfc3339())
        );
        async move { api::get::<Page<TimeEntry>>(&path).await.map(|p| p.items) }
    });
    let projects = LocalResource::new(|| async {
        api::get::<Page<Project>>("/api/projects?limit=200")
            .await
            .map(|p| p.items)
            .unwrap_or_default()
    });
    let tasks = LocalResource::new(|| api::get::<Page<Task>>("/api/tasks?limit=50"));

    let project_name = move |id: Option<ProjectId>| {
        id.and_then(|id| {
            projects
                .get()
                .unwrap_or_default()
                .into_iter()
                .find(|p| p.id == id)
                .map(|p| p.name)
        })
    };

    let day_list = move |entries: &[TimeEntry], day: NaiveDate| {
        let mut of_day: Vec<TimeEntry> = entries
            .iter()
            .filter(|e| e.started_at.with_timezone(&Local).date_naive() == day)
            .cloned()
            .collect();
        of_day.sort_by_key(|e| e.started_at);
        of_day
    };

    let list = move || {
        let Some(result) = entries.get() else {
            return view! { <p class="loading" aria-busy="true">"Loading entries…"</p> }.into_any();
        };
        let items = match result {
            Ok(e) => e,
            Err(err) => {
                return view! { <p class="notice error" role="alert">{err.detail}</p> }.into_any();
            }
        };
        let week_total: i64 = items.iter().map(|e| e.duration_seconds).sum();
        let days: Vec<NaiveDate> = (0..7)
            .map(|d| week_start + Duration::days(d))
            .filter(|d| *d <= today)
            .rev()
            .collect();
        view! {
            <p class="totals">{format!("This week: {}", hours(week_total))}</p>
            {days.into_iter().map(|day| {
                let of_day = day_list(&items, day);
                let total: i64 = of_day.iter().map(|e| e.duration_seconds).sum();
                let heading = if day == today { "Today".to_owned() } else { day_heading(day) };
                let label = heading.clone();
                view! {
                    <section class="day" aria-label=label>
                        <h2>{heading}<span class="total">{hours(total)}</span></h2>
                        {if of_day.is_empty() {
                            view! { <p class="empty">"No time tracked."</p> }.into_any()
                        } else {
                            view! { <ul class="entries">{of_day.into_iter().map(|entry| view! {
                                <EntryRow entry=entry.clone() project=project_name(entry.project_id) notice reload=move || entries.refetch()/>
                            }).collect_view()}</ul> }.into_any()
                        }}
                    </section>
                }
            }).collect_view()}
        }
        .into_any()
    };

    view! {
        <h1>"Time"</h1>
        <NoticeLine notice/>
        <NewEntry projects notice reload=move || entries.refetch()/>
        {list}
        <section aria-labelledby="tasks-heading">
            <h2 id="tasks-heading">"Tasks"</h2>
            {move || match tasks.get() {
                None => view! { <p class="loading">"Loading tasks…"</p> }.into_any(),
                Some(Err(err)) => view! { <p class="notice error">{err.detail}</p> }.into_any(),
                Some(Ok(page)) if page.items.is_empty() => view! { <p class="empty">"No tasks yet. Connect an issue tracker and sync it, or create tasks through the API."</p> }.into_any(),
                Some(Ok(page)) => view! {
                    <ul class="tasks">{page.items.into_iter().map(|t| view! {
                        <li data-testid="task">
                            {match t.external_url {
                                Some(url) => view! { <a class="title" href=url target="_blank" rel="noopener noreferrer">{t.title}</a> }.into_any(),
                                None => view! { <span class="title">{t.title}</span> }.into_any(),
                            }}
                            <span class="project">{project_name(Some(t.project_id)).unwrap_or_default()}</span>
                        </li>
                    }).collect_view()}</ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn EntryRow(
    entry: TimeEntry,
    project: Option<String>,
    notice: RwSignal<Option<Notice>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = entry.id;
    let editing = RwSignal::new(false);
    let notes = RwSignal::new(entry.notes.clone());
    let day = entry.started_at.with_timezone(&Local).date_naive();
    let start = RwSignal::new(time_of_day(entry.started_at));
    let end = RwSignal::new(entry.ended_at.map(time_of_day).unwrap_or_default());
    let running = entry.ended_at.is_none();
    let (entry_start, entry_end) = (entry.started_at, entry.ended_at);
    let range = match entry.ended_at {
        Some(end) => format!("{}–{}", time_of_day(entry.started_at), time_of_day(end)),
        None => format!("{}–now", time_of_day(entry.started_at)),
    };
    let delete = move |_| {
        if !window()
            .confirm_with_message("Delete this time entry?")
            .unwrap_or(false)
        {
            return;
        }
        spawn_local(async move {
            match api::send::<()>("DELETE", &format!("/api/time-entries/{id}"), None).await {
                Ok(()) => {
                    notice.set(Some(Notice::Done("Entry deleted.".to_owned())));
                    reload();
                }
                Err(err) => notice.set(Some(Notice::Failed(err.detail))),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(started_at) = retyped(entry_start, &start.get_untracked(), |typed| {
            instant_at(day, typed)
        }) else {
            notice.set(Some(Notice::Failed(
                "Enter the start as hours and minutes, such as 09:30.".to_owned(),
            )));
            return;
        };
        let ended_at = match entry_end {
            None => None,
            Some(shown) => match retyped(shown, &end.get_untracked(), |typed| {
                end_after(started_at, typed)
            }) {
                Some(at) => Some(at),
                None => {
                    notice.set(Some(Notice::Failed(
                        "Enter the end as hours and minutes, such as 17:00.".to_owned(),
                    )));
                    return;
                }
            },
        };
        let change = UpdateTimeEntry {
            started_at: Some(started_at),
            ended_at,
            notes: Some(notes.get_untracked()),
            ..Default::default()
        };
        spawn_local(async move {
            match api::patch::<_, TimeEntry>(&format!("/api/time-entries/{id}"), &change).await {
                Ok(_) => {
                    editing.set(false);
                    reload();
                }
                Err(err) => notice.set(Some(Notice::Failed(err.detail))),
            }
        });
    };
    let label = if entry.notes.is_empty() {
        "(no notes)".to_owned()
    } else {
        entry.notes.clone()
    };
    let field = format!("notes-{id}");
    view! {
        <li class="entry" data-testid="entry">
            <span class="range">{range}</span>
            <span class="duration">{hours(entry.duration_seconds)}</span>
            {project.map(|p| view! { <span class="project">{p}</span> })}
            {move || if editing.get() {
                view! {
                    <form class="inline" on:submit=save>
                        <label class="sr" for=format!("{field}-start")>"Start"</label>
                        <input id=format!("{field}-start") type="time" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev))/>
                        {(!running).then(|| view! {
                            <label class="sr" for=format!("{field}-end")>"End"</label>
                            <input id=format!("{field}-end") type="time" prop:value=move || end.get() on:input=move |ev| end.set(event_target_value(&ev))/>
                        })}
                        <label class="sr" for=field.clone()>"Notes"</label>
                        <input id=field.clone() prop:value=move || notes.get() on:input=move |ev| notes.set(event_target_value(&ev))/>
                        <button type="submit" class="primary">"Save"</button>
                        <button type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </form>
                }.into_any()
            } else {
                view! { <span class="notes">{label.clone()}</span> }.into_any()
            }}
            <span class="source badge">{source_word(entry.source)}</span>
            <button type="button" class="link" on:click=move |_| editing.set(true)>"Edit"</button>
            <button type="button" class="link danger" on:click=delete>"Delete"</button>
        </li>
    }
}

#[component]
fn NewEntry(
    projects: LocalResource<Vec<Project>>,
    notice: RwSignal<Option<Notice>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let day = RwSignal::new(Local::now().date_naive().to_string());
    let start = RwSignal::new(String::from("09:00"));
    let end = RwSignal::new(String::from("10:00"));
    let project = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(date) = NaiveDate::parse_from_str(&day.get_untracked(), "%Y-%m-%d") else {
            notice.set(Some(Notice::Failed("Choose a day.".to_owned())));
            return;
        };
        let Some((started_at, ended_at)) =
            instant_at(date, &start.get_untracked()).and_then(|started_at| {
                Some((started_at, end_after(started_at, &end.get_untracked())?))
            })
        else {
            notice.set(Some(Notice::Failed(
                "Enter start and end as hours and minutes, such as 09:30.".to_owned(),
            )));
            return;
        };
        let entry = CreateTimeEntry {
            started_at,
            ended_at,
            project_id: project.get_untracked().parse::<ProjectId>().ok(),
            task_id: None,
            notes: notes.get_untracked(),
            billable: None,
            source: TimeEntrySource::Manual,
        };
        spawn_local(async move {
            match api::post::<_, TimeEntry>("/api/time-entries", &entry).await {
                Ok(_) => {
                    notice.set(Some(Notice::Done("Entry added.".to_owned())));
                    notes.set(String::new());
                    reload();
                }
                Err(err) => notice.set(Some(Notice::Failed(err.detail))),
            }
        });
    };
    view! {
        <form class="new-entry" on:submit=submit aria-label="Add a time entry">
            <div><label for="entry-day">"Day"</label>
            <input id="entry-day" type="date" prop:value=move || day.get() on:input=move |ev| day.set(event_target_value(&ev))/></div>
            <div><label for="entry-start">"Start"</label>
            <input id="entry-start" type="time" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev))/></div>
            <div><label for="entry-end">"End"</label>
            <input id="entry-end" type="time" prop:value=move || end.get() on:input=move |ev| end.set(event_target_value(&ev))/></div>
            <div><ProjectSelect id="entry-project".to_owned() label="Project".to_owned() projects chosen=project none="No project"/></div>
            <div class="grow"><label for="entry-notes">"Notes"</label>
            <input id="entry-notes" prop:value=move || notes.get() on:input=move |ev| notes.set(event_target_value(&ev))/></div>
            <button type="submit" class="primary">"Add entry"</button>
        </form>
    }
}
