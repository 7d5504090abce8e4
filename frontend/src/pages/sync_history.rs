//! A connection's sync runs: trigger, duration, counts and errors; a running sync shows its
//! progress and the page follows it until it ends.

use std::time::Duration;

use leptos::prelude::*;

use leptos_router::hooks::{use_params_map, use_query_map};
use stint_api_types::providers::ProviderKey;
use stint_api_types::webhooks::SyncRun;

use crate::api;
use crate::format::{counts, duration_of, is_running, moment, run_status_word, trigger_word};

#[component]
pub fn SyncHistory() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let provider = move || params.with(|p| p.get("provider").and_then(|k| ProviderKey::parse(&k)));
    let scope = move || {
        query
            .with(|q| q.get("scope"))
            .filter(|s| s == "global" || s == "personal")
    };
    let runs = LocalResource::new(move || {
        let (key, scope) = (provider(), scope());
        async move {
            let Some(key) = key else {
                return Ok(Vec::new());
            };
            let path = match scope {
                Some(scope) => format!("/api/integrations/{key}/sync-runs?scope={scope}"),
                None => format!("/api/integrations/{key}/sync-runs"),
            };
            api::get::<Vec<SyncRun>>(&path).await
        }
    });
    // While a run is queued or running, ask again every second.
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if runs
                .get_untracked()
                .and_then(Result::ok)
                .is_some_and(|r| r.iter().any(is_running))
            {
                runs.refetch();
            }
        },
        Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }

    let title = move || {
        format!(
            "Sync history: {}",
            provider().map(|k| k.to_string()).unwrap_or_default()
        )
    };
    view! {
        <h1>{title}</h1>
        <p><a href="/integrations">"Back to integrations"</a></p>
        {move || match runs.get() {
            None => view! { <p class="loading" aria-busy="true">"Loading runs…"</p> }.into_any(),
            Some(Err(err)) => view! { <p class="notice error" role="alert">{err.detail}</p> }.into_any(),
            Some(Ok(runs)) if runs.is_empty() => view! { <p class="empty">"No sync has run yet."</p> }.into_any(),
            Some(Ok(runs)) => view! {
                <table class="runs">
                    <caption class="sr">"Sync runs, newest first"</caption>
                    <thead><tr><th scope="col">"Queued"</th><th scope="col">"Trigger"</th><th scope="col">"Status"</th><th scope="col">"Duration"</th><th scope="col">"Outcome"</th></tr></thead>
                    <tbody>
                        {runs.into_iter().map(|run| {
                            let running = is_running(&run);
                            let progress = running.then(|| match run.total {
                                Some(total) if total > 0 => view! {
                                    <progress max=total value=run.done aria-label="Progress"></progress>
                                    <span>{format!("{} of {}", run.done, total)}</span>
                                }.into_any(),
                                _ => view! { <span class="progress">{format!("{} items so far", run.done)}</span> }.into_any(),
                            });
                            let outcome = match &run.error {
                                Some(error) => format!("{} — {error}", counts(&run)),
                                None if running => String::new(),
                                None => counts(&run),
                            };
                            let reasons: Vec<String> = run.skip_reasons.iter().map(|(why, n)| format!("{n} {why}")).collect();
                            view! {
                                <tr class=run_status_word(run.status) data-testid="sync-run">
                                    <td>{moment(run.queued_at)}</td>
                                    <td>{trigger_word(run.trigger)}</td>
                                    <td><span class=format!("badge {}", run_status_word(run.status))>{run_status_word(run.status)}</span></td>
                                    <td>{duration_of(&run).unwrap_or_default()}</td>
                                    <td>{progress}{outcome}{(!reasons.is_empty()).then(|| view! { <small class="reasons">{format!(" (skipped: {})", reasons.join(", "))}</small> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
    }
}
