//! Your calendars: a day's events and busy time across every calendar you connected, and time
//! planned ahead — checked for clashes and put in your calendar.

use chrono::{Duration, Local, NaiveDate, NaiveTime};
use leptos::prelude::*;
use leptos::task::spawn_local;
use stint_api_types::calendar::{
    CalendarEntityType, CalendarEvents, ConflictsAnswer, CreateCalendarEvent, FreeBusyAnswer,
    LinkedCalendarEvent, PlannedBlockInput, TimeSpan, UnreadableCalendar,
};

use crate::api;
use crate::format::{day_heading, instant, time_of_day};
use crate::notice::{Notice, NoticeLine};

fn span_query(day: NaiveDate) -> Option<String> {
    let start = instant(day, NaiveTime::MIN)?;
    let end = instant(day + Duration::days(1), NaiveTime::MIN)?;
    Some(format!(
        "start={}&end={}",
        api::query_value(&start.to_rfc3339()),
        api::query_value(&end.to_rfc3339())
    ))
}

fn unreadable_line(calendars: Vec<UnreadableCalendar>) -> impl IntoView {
    (!calendars.is_empty()).then(|| {
        let names: Vec<String> = calendars
            .into_iter()
            .map(|c| format!("{} ({})", c.provider, c.reason))
            .collect();
        view! {
            <p class="banner" role="alert">
                {format!("Could not read {}: that time is unknown, not free.", names.join(", "))}
            </p>
        }
    })
}

#[component]
pub fn Calendar() -> impl IntoView {
    let notice = RwSignal::new(None::<Notice>);
    let day = RwSignal::new(Local::now().date_naive());
    let events = LocalResource::new(move || {
        let query = span_query(day.get());
        async move {
            match query {
                Some(q) => api::get::<CalendarEvents>(&format!("/api/calendar/events?{q}"))
                    .await
                    .map(Some),
                None => Ok(None),
            }
        }
    });
    let busy = LocalResource::new(move || {
        let query = span_query(day.get());
        async move {
            match query {
                Some(q) => api::get::<FreeBusyAnswer>(&format!("/api/calendar/freebusy?{q}"))
                    .await
                    .map(Some),
                None => Ok(None),
            }
        }
    });

    let events_view = move || match events.get() {
        None => view! { <p class="loading" aria-busy="true">"Loading events…"</p> }.into_any(),
        Some(Err(err)) => {
            view! { <p class="notice error" role="alert">{err.detail}</p> }.into_any()
        }
        Some(Ok(None)) => ().into_any(),
        Some(Ok(Some(answer))) => {
            let empty = answer.events.is_empty();
            view! {
                {unreadable_line(answer.unreadable)}
                {empty.then(|| view! { <p class="empty">"No events."</p> })}
                <ul class="entries">{answer.events.into_iter().map(|e| {
                    let when = match (e.start, e.end) {
                        (Some(start), Some(end)) if !e.all_day => format!("{}–{}", time_of_day(start), time_of_day(end)),
                        _ => "all day".to_owned(),
                    };
                    let link = e.url.filter(|u| u.starts_with("https://") || u.starts_with("http://"));
                    view! {
                        <li class="entry" data-testid="event">
                            <span class="range">{when}</span>
                            {match link {
                                Some(url) => view! { <a class="notes" href=url target="_blank" rel="noopener noreferrer">{e.summary}</a> }.into_any(),
                                None => view! { <span class="notes">{e.summary}</span> }.into_any(),
                            }}
                            {e.declined.then(|| view! { <span class="badge">"declined"</span> })}
                            <span class="source badge">{e.provider.to_string().replace('_', " ")}</span>
                        </li>
                    }
                }).collect_view()}</ul>
            }
            .into_any()
        }
    };
    let busy_view = move || match busy.get() {
        None => view! { <p class="loading" aria-busy="true">"Loading free/busy…"</p> }.into_any(),
        Some(Err(err)) => {
            view! { <p class="notice error" role="alert">{err.detail}</p> }.into_any()
        }
        Some(Ok(None)) => ().into_any(),
        Some(Ok(Some(answer))) => {
            let free = answer.busy.is_empty() && answer.unknown.is_empty();
            view! {
                {unreadable_line(answer.unknown)}
                {free.then(|| view! { <p class="empty">"Free all day."</p> })}
                <ul class="entries">{answer.busy.into_iter().map(|b| view! {
                    <li class="entry" data-testid="busy">
                        <span class="range">{format!("{}–{}", time_of_day(b.start), time_of_day(b.end))}</span>
                        <span class="notes">"Busy"</span>
                    </li>
                }).collect_view()}</ul>
            }
            .into_any()
        }
    };

    view! {
        <h1>"Calendar"</h1>
        <NoticeLine notice/>
        <div class="new-entry">
            <div><label for="calendar-day">"Day"</label>
            <input id="calendar-day" type="date" prop:value=move || day.get().to_string()
                on:change=move |ev| if let Ok(d) = NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d") { day.set(d) }/></div>
            <p class="hint">{move || day_heading(day.get())}</p>
        </div>
        <section aria-labelledby="busy-heading">
            <h2 id="busy-heading">"Busy"</h2>
            {busy_view}
        </section>
        <section aria-labelledby="events-heading">
            <h2 id="events-heading">"Events"</h2>
            {events_view}
        </section>
        <PlanBlock day notice reload=move || { busy.refetch(); events.refetch(); }/>
    }
}

/// Plan time: check what it clashes with, then put it in your calendar.
#[component]
fn PlanBlock(
    day: RwSignal<NaiveDate>,
    notice: RwSignal<Option<Notice>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let title = RwSignal::new(String::from("Focus time"));
    let start = RwSignal::new(String::from("14:00"));
    let end = RwSignal::new(String::from("15:00"));
    let clash = RwSignal::new(None::<String>);
    let block = move || {
        let at = |text: String| {
            NaiveTime::parse_from_str(&text, "%H:%M")
                .ok()
                .and_then(|t| instant(day.get_untracked(), t))
        };
        match (at(start.get_untracked()), at(end.get_untracked())) {
            (Some(start), Some(end)) => Ok(PlannedBlockInput {
                title: title.get_untracked().trim().to_owned(),
                start,
                end,
            }),
            _ => Err("Enter start and end as hours and minutes, such as 14:00.".to_owned()),
        }
    };
    let check = move |_| {
        let block = match block() {
            Ok(b) => b,
            Err(e) => return notice.set(Some(Notice::Failed(e))),
        };
        spawn_local(async move {
            let span = TimeSpan {
                start: block.start,
                end: block.end,
            };
            match api::post::<_, ConflictsAnswer>("/api/calendar/conflicts", &span).await {
                Ok(answer) if !answer.conflict => clash.set(Some("Nothing clashes.".to_owned())),
                Ok(answer) => {
                    let mut parts = Vec::new();
                    if !answer.busy.is_empty() {
                        parts.push(format!(
                            "{} busy span(s) in your calendars",
                            answer.busy.len()
                        ));
                    }
                    if !answer.entries.is_empty() {
                        parts.push(format!("{} of your time entries", answer.entries.len()));
                    }
                    if !answer.planned.is_empty() {
                        parts.push(format!("{} planned block(s)", answer.planned.len()));
                    }
                    if !answer.unknown.is_empty() {
                        parts.push(format!(
                            "{} calendar(s) that could not be read",
                            answer.unknown.len()
                        ));
                    }
                    clash.set(Some(format!("It clashes with {}.", parts.join(", "))));
                }
                Err(err) => notice.set(Some(Notice::Failed(err.detail))),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let block = match block() {
            Ok(b) => b,
            Err(e) => return notice.set(Some(Notice::Failed(e))),
        };
        let request = CreateCalendarEvent {
            entity_type: CalendarEntityType::PlannedBlock,
            entity_id: None,
            block: Some(block),
            provider: None,
        };
        spawn_local(async move {
            match api::post::<_, LinkedCalendarEvent>("/api/calendar/events", &request).await {
                Ok(_) => {
                    notice.set(Some(Notice::Done(
                        "Planned, and put in your calendar.".to_owned(),
                    )));
                    reload();
                }
                Err(err) => notice.set(Some(Notice::Failed(err.detail))),
            }
        });
    };
    view! {
        <section aria-labelledby="plan-heading">
            <h2 id="plan-heading">"Plan time"</h2>
            <form class="new-entry" on:submit=submit>
                <div class="grow"><label for="block-title">"Title"</label>
                <input id="block-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/></div>
                <div><label for="block-start">"Start"</label>
                <input id="block-start" type="time" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev))/></div>
                <div><label for="block-end">"End"</label>
                <input id="block-end" type="time" prop:value=move || end.get() on:input=move |ev| end.set(event_target_value(&ev))/></div>
                <button type="button" on:click=check>"Check for clashes"</button>
                <button type="submit" class="primary">"Put in my calendar"</button>
            </form>
            {move || clash.get().map(|c| view! { <p class="hint" role="status" data-testid="clash">{c}</p> })}
        </section>
    }
}
