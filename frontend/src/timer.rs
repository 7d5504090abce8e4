//! The timer in the header: what runs and for how long, or what to start next.

use std::time::Duration;

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use stint_api_types::tracking::{Project, StartTimer, Task, TimeEntry, TimerState};
use stint_api_types::{Page, ProjectId, TaskId};

use crate::api;
use crate::format::clock;

/// Bumped whenever the timer starts or stops, so lists of entries know to read again.
#[derive(Clone, Copy)]
pub struct TimerChanged(pub RwSignal<u32>);

#[component]
pub fn Timer() -> impl IntoView {
    let changed = expect_context::<TimerChanged>();
    let state = RwSignal::new(None::<TimerState>);
    let error = RwSignal::new(None::<String>);
    let now = RwSignal::new(Utc::now());
    let project = RwSignal::new(String::new());
    let task = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let projects = LocalResource::new(|| async {
        api::get::<Page<Project>>("/api/projects?limit=200")
            .await
            .map(|p| p.items)
            .unwrap_or_default()
    });
    let tasks = LocalResource::new(move || {
        let project = project.get();
        async move {
            if project.is_empty() {
                return Vec::new();
            }
            api::get::<Page<Task>>(&format!(
                "/api/tasks?limit=200&project_id={}",
                api::query_value(&project)
            ))
            .await
            .map(|p| p.items)
            .unwrap_or_default()
        }
    });

    let load = move || {
        spawn_local(async move {
            match api::get::<TimerState>("/api/timer").await {
                Ok(current) => state.set(Some(current)),
                Err(err) => error.set(Some(err.detail)),
            }
        })
    };
    load();
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(Utc::now()), Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }

    let start = move |_| {
        let request = StartTimer {
            project_id: project.get_untracked().parse::<ProjectId>().ok(),
            task_id: task.get_untracked().parse::<TaskId>().ok(),
            notes: Some(notes.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        spawn_local(async move {
            match api::post::<_, TimeEntry>("/api/timer/start", &request).await {
                Ok(entry) => {
                    error.set(None);
                    notes.set(String::new());
                    state.set(Some(TimerState {
                        running: true,
                        entry: Some(entry),
                    }));
                    changed.0.update(|n| *n += 1);
                }
                Err(err) => error.set(Some(err.detail)),
            }
        });
    };
    let stop = move |_| {
        spawn_local(async move {
            match api::post::<_, TimeEntry>("/api/timer/stop", &serde_json::json!({})).await {
                Ok(_) => {
                    error.set(None);
                    state.set(Some(TimerState {
                        running: false,
                        entry: None,
                    }));
                    changed.0.update(|n| *n += 1);
                }
                Err(err) => {
                    error.set(Some(err.detail));
                    load();
                }
            }
        });
    };

    let running = move || {
        state.with(|s| {
            s.as_ref()
                .and_then(|s| s.entry.clone())
                .filter(|_| s.as_ref().is_some_and(|s| s.running))
        })
    };

    view! {
        <section class="timer" aria-label="Timer">
            {move || match running() {
                Some(entry) => {
                    let started = entry.started_at;
                    let label = if entry.notes.is_empty() { "Timer running".to_owned() } else { entry.notes.clone() };
                    view! {
                        <span class="running-label">{label}</span>
                        <time class="running" data-testid="timer-elapsed" aria-live="off">
                            {move || clock((now.get() - started).num_seconds())}
                        </time>
                        <button type="button" class="stop" on:click=stop>"Stop"</button>
                    }.into_any()
                }
                None => view! {
                    <label class="sr" for="timer-project">"Project"</label>
                    <select id="timer-project" on:change=move |ev| { project.set(event_target_value(&ev)); task.set(String::new()); }>
                        <option value="">"No project"</option>
                        {move || projects.get().unwrap_or_default().into_iter().filter(|p| !p.archived).map(|p| {
                            let id = p.id.to_string();
                            view! { <option value=id.clone() selected=move || project.get() == id>{p.name}</option> }
                        }).collect_view()}
                    </select>
                    <label class="sr" for="timer-task">"Task"</label>
                    <select id="timer-task" prop:disabled=move || project.get().is_empty()
                        on:change=move |ev| task.set(event_target_value(&ev))>
                        <option value="">"No task"</option>
                        {move || tasks.get().unwrap_or_default().into_iter().map(|t| {
                            view! { <option value=t.id.to_string()>{t.title}</option> }
                        }).collect_view()}
                    </select>
                    <label class="sr" for="timer-notes">"What are you working on?"</label>
                    <input id="timer-notes" placeholder="What are you working on?"
                        prop:value=move || notes.get() on:input=move |ev| notes.set(event_target_value(&ev))/>
                    <button type="button" class="primary" on:click=start>"Start"</button>
                }.into_any(),
            }}
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </section>
    }
}
