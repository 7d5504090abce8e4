//! The calendar manager, provider-neutral: a member's events across their connected calendars,
//! free/busy merged across them, conflicts for planning, and calendar events made for their own
//! records. A calendar that cannot be read is named, and its time is unknown, never free.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use stint_api_types::auth::Scope;
use stint_api_types::calendar::{
    BusyInterval, CalendarEntityType, CalendarEventItem, CalendarEvents, ConflictsAnswer,
    CreateCalendarEvent, FreeBusyAnswer, LinkedCalendarEvent, TimeSpan, UnreadableCalendar,
};
use stint_api_types::providers::{IntegrationStatus, ProviderKey};
use stint_entity::{integration, time_entry};
use uuid::Uuid;

use super::CalendarApi;
use super::export::{Export, ExportError, Names, Pushed, link_of};
use super::import::CalendarTarget;
use crate::auth::Principal;
use crate::catalogue::Connector;
use crate::connectors::{Busy, EventStatus, EventTiming};
use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::credentials;
use crate::integrations::gateway::GatewayError;
use crate::integrations::tokens::{self, TokenError};
use crate::secret::Secret;
use crate::tracking::wire_name;

/// The longest span one question may cover.
const MAX_SPAN_DAYS: i64 = 62;
/// Pages of events read per calendar for one listing.
const MAX_PAGES: usize = 20;

/// One of the member's connected calendars.
struct Calendar {
    connector: Connector,
    api: Arc<dyn CalendarApi>,
    integration: integration::Model,
}

impl Calendar {
    fn key(&self) -> ProviderKey {
        self.connector.spec.key
    }

    fn calendar_id(&self) -> String {
        serde_json::from_value::<stint_api_types::providers::CalendarSettings>(
            self.integration.config.clone(),
        )
        .unwrap_or_default()
        .calendar_id
    }

    fn unreadable(&self, reason: String) -> UnreadableCalendar {
        UnreadableCalendar {
            provider: self.key(),
            reason,
        }
    }
}

fn checked(span: TimeSpan) -> Result<TimeSpan, CoreError> {
    if span.end <= span.start {
        return Err(CoreError::invalid("end", "must be after start"));
    }
    if span.end - span.start > chrono::Duration::days(MAX_SPAN_DAYS) {
        return Err(CoreError::invalid(
            "end",
            format!("a span covers at most {MAX_SPAN_DAYS} days"),
        ));
    }
    Ok(span)
}

/// The member's active calendar connections.
async fn calendars(stint: &Stint, user_id: Uuid) -> Result<Vec<Calendar>, CoreError> {
    let with_calendars: Vec<(Connector, Arc<dyn CalendarApi>)> = stint
        .catalogue
        .connectors()
        .filter_map(|c| Some((c.clone(), c.calendar.clone()?)))
        .collect();
    if with_calendars.is_empty() {
        return Ok(Vec::new());
    }
    let connections = integration::Entity::find()
        .filter(integration::Column::UserId.eq(user_id))
        .filter(
            integration::Column::Provider
                .is_in(with_calendars.iter().map(|(c, _)| c.spec.key.as_str())),
        )
        .filter(integration::Column::Status.eq(wire_name(&IntegrationStatus::Active)))
        .order_by_asc(integration::Column::Provider)
        .all(&stint.db)
        .await?;
    Ok(connections
        .into_iter()
        .filter_map(|integration| {
            let (connector, api) = with_calendars
                .iter()
                .find(|(c, _)| c.spec.key.as_str() == integration.provider)?
                .clone();
            Some(Calendar {
                connector,
                api,
                integration,
            })
        })
        .collect())
}

/// A call with the connection's token, refreshed once if the provider refuses it.
async fn with_token<T, F, Fut>(stint: &Stint, calendar: &Calendar, call: F) -> Result<T, String>
where
    F: Fn(Secret) -> Fut,
    Fut: Future<Output = Result<T, GatewayError>>,
{
    let id = calendar.integration.id;
    let name = calendar.connector.spec.display_name;
    let token = tokens::get_valid_token(stint, id)
        .await
        .map_err(|err| token_failure(name, err))?;
    match call(token).await {
        Err(GatewayError::DeadAccessToken) => {
            let version = credentials::load(stint, id)
                .await
                .map_err(|e| e.to_string())?
                .map(|t| t.version)
                .unwrap_or_default();
            let token = tokens::refresh_after_rejection(stint, id, version)
                .await
                .map_err(|err| token_failure(name, err))?;
            call(token).await.map_err(|e| e.to_string())
        }
        other => other.map_err(|e| e.to_string()),
    }
}

fn token_failure(name: &str, err: TokenError) -> String {
    match err {
        TokenError::NeedsReauth(reason) => format!("reconnect {name}: {reason}"),
        err => err.to_string(),
    }
}

/// The events of the member's calendars in the span.
pub async fn events(
    stint: &Stint,
    principal: &Principal,
    span: TimeSpan,
) -> Result<CalendarEvents, CoreError> {
    principal.require_scope(Scope::Read)?;
    let span = checked(span)?;
    let mut answer = CalendarEvents {
        events: Vec::new(),
        unreadable: Vec::new(),
    };
    for calendar in calendars(stint, principal.user_id.as_uuid()).await? {
        let calendar_id = calendar.calendar_id();
        let read = with_token(stint, &calendar, |token| {
            let api = calendar.api.clone();
            let spec = calendar.connector.spec.clone();
            let calendar_id = calendar_id.clone();
            async move {
                let mut events = Vec::new();
                let mut page: Option<String> = None;
                for _ in 0..MAX_PAGES {
                    let listing = api
                        .window(
                            &spec,
                            &token,
                            &calendar_id,
                            span.start,
                            span.end,
                            page.as_deref(),
                        )
                        .await?;
                    events.extend(listing.events);
                    page = listing.next_page;
                    if page.is_none() {
                        break;
                    }
                }
                Ok(events)
            }
        })
        .await;
        match read {
            Ok(events) => answer.events.extend(
                events
                    .into_iter()
                    .filter(|e| e.status != EventStatus::Cancelled)
                    .map(|e| {
                        let (start, end) = match e.timing {
                            EventTiming::Timed { start, end } => (Some(start), Some(end)),
                            _ => (None, None),
                        };
                        CalendarEventItem {
                            provider: calendar.key(),
                            id: e.id,
                            summary: e.summary,
                            start,
                            end,
                            all_day: e.timing == EventTiming::AllDay,
                            declined: e.status == EventStatus::Declined,
                            url: e.url,
                        }
                    }),
            ),
            Err(reason) => answer.unreadable.push(calendar.unreadable(reason)),
        }
    }
    answer
        .events
        .sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
    Ok(answer)
}

/// Busy time across the member's calendars, merged.
pub async fn free_busy(
    stint: &Stint,
    principal: &Principal,
    span: TimeSpan,
) -> Result<FreeBusyAnswer, CoreError> {
    principal.require_scope(Scope::Read)?;
    let span = checked(span)?;
    let mut spans = Vec::new();
    let mut unknown = Vec::new();
    for calendar in calendars(stint, principal.user_id.as_uuid()).await? {
        let calendar_id = calendar.calendar_id();
        let account = calendar.integration.external_account_label.clone();
        let busy = with_token(stint, &calendar, |token| {
            let api = calendar.api.clone();
            let spec = calendar.connector.spec.clone();
            let calendar_id = calendar_id.clone();
            let account = account.clone();
            async move {
                api.busy(
                    &spec,
                    &token,
                    &calendar_id,
                    account.as_deref(),
                    span.start,
                    span.end,
                )
                .await
            }
        })
        .await;
        match busy {
            Ok(busy) => spans.extend(busy.into_iter().map(|b| (b, calendar.key()))),
            Err(reason) => unknown.push(calendar.unreadable(reason)),
        }
    }
    Ok(FreeBusyAnswer {
        start: span.start,
        end: span.end,
        busy: merge(spans, span),
        unknown,
    })
}

/// Overlapping spans become one, clipped to the span asked about.
fn merge(mut spans: Vec<(Busy, ProviderKey)>, within: TimeSpan) -> Vec<BusyInterval> {
    spans.retain(|(b, _)| b.end > within.start && b.start < within.end && b.end > b.start);
    spans.sort_by_key(|(b, _)| (b.start, b.end));
    let mut merged: Vec<BusyInterval> = Vec::new();
    for (busy, provider) in spans {
        let start = busy.start.max(within.start);
        let end = busy.end.min(within.end);
        match merged.last_mut() {
            Some(last) if start <= last.end => {
                last.end = last.end.max(end);
                if !last.providers.contains(&provider) {
                    last.providers.push(provider);
                }
            }
            _ => merged.push(BusyInterval {
                start,
                end,
                providers: vec![provider],
            }),
        }
    }
    merged
}

/// What overlaps a span the member wants to plan: busy time and their own entries.
pub async fn conflicts(
    stint: &Stint,
    principal: &Principal,
    span: TimeSpan,
) -> Result<ConflictsAnswer, CoreError> {
    let busy = free_busy(stint, principal, span).await?;
    let now = stint.clock.now();
    let entries = time_entry::Entity::find()
        .filter(time_entry::Column::UserId.eq(principal.user_id.as_uuid()))
        .filter(time_entry::Column::StartedAt.lt(span.end))
        .filter(
            Condition::any()
                .add(time_entry::Column::EndedAt.gt(span.start))
                .add(time_entry::Column::EndedAt.is_null()),
        )
        .order_by_asc(time_entry::Column::StartedAt)
        .limit(200)
        .all(&stint.db)
        .await?
        .iter()
        .map(|e| crate::tracking::time_entries::to_api(e, now))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ConflictsAnswer {
        conflict: !busy.busy.is_empty() || !entries.is_empty() || !busy.unknown.is_empty(),
        busy: busy.busy,
        entries,
        unknown: busy.unknown,
    })
}

/// The one calendar a request means: the named one, or the member's only one.
async fn chosen(
    stint: &Stint,
    user_id: Uuid,
    provider: Option<ProviderKey>,
) -> Result<Calendar, CoreError> {
    let mut found = calendars(stint, user_id).await?;
    if let Some(provider) = provider {
        found.retain(|c| c.key() == provider);
    }
    match found.len() {
        0 => Err(CoreError::NotConnected(match provider {
            Some(provider) => format!("you have not connected {provider}; connect it first"),
            None => "you have not connected a calendar; connect Google Calendar or Outlook first"
                .to_owned(),
        })),
        1 => Ok(found.remove(0)),
        _ => Err(CoreError::invalid(
            "provider",
            "you connected more than one calendar; say which",
        )),
    }
}

async fn own_entry(stint: &Stint, user_id: Uuid, id: Uuid) -> Result<time_entry::Model, CoreError> {
    time_entry::Entity::find_by_id(id)
        .filter(time_entry::Column::UserId.eq(user_id))
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("time entry"))
}

fn export_failure(name: &str, err: ExportError) -> CoreError {
    match err {
        ExportError::Database(err) => err,
        ExportError::Provider(GatewayError::DeadAccessToken) => {
            CoreError::ProviderUnavailable(format!("{name} refused the token; reconnect {name}"))
        }
        ExportError::Provider(err) | ExportError::Item(err) => {
            CoreError::ProviderUnavailable(format!("{name}: {err}"))
        }
    }
}

/// Makes (or brings up to date) the calendar event of one of the member's records.
pub async fn put_event(
    stint: &Stint,
    principal: &Principal,
    request: CreateCalendarEvent,
) -> Result<LinkedCalendarEvent, CoreError> {
    principal.require_scope(Scope::Write)?;
    let user_id = principal.user_id.as_uuid();
    let CalendarEntityType::TimeEntry = request.entity_type;
    let entry = own_entry(stint, user_id, request.entity_id).await?;
    if entry.ended_at.is_none() {
        return Err(CoreError::Conflict(
            "the entry is still running; stop it first".to_owned(),
        ));
    }
    let calendar = chosen(stint, user_id, request.provider).await?;
    let name = calendar.connector.spec.display_name;
    let now = stint.clock.now();
    let target = target_of(stint, &calendar, now).await?;
    let export = Export {
        db: &stint.db,
        writer: calendar.api.as_ref(),
        spec: &calendar.connector.spec,
        target: &target,
    };
    let token = tokens::get_valid_token(stint, calendar.integration.id)
        .await
        .map_err(|err| CoreError::ProviderUnavailable(token_failure(name, err)))?;
    let pushed = export
        .push(&token, &entry, &mut Names::default(), now)
        .await
        .map_err(|err| export_failure(name, err))?;
    if pushed == Pushed::Gone {
        return Err(CoreError::Conflict(format!(
            "the entry's event was deleted in {name}; it is not made again"
        )));
    }
    linked(stint, &calendar, entry.id).await?.ok_or_else(|| {
        CoreError::Conflict(format!(
            "{name} keeps no event for an entry imported from a calendar"
        ))
    })
}

/// Deletes the calendar event of one of the member's records.
pub async fn delete_event(
    stint: &Stint,
    principal: &Principal,
    entity_type: CalendarEntityType,
    entity_id: Uuid,
    provider: Option<ProviderKey>,
) -> Result<(), CoreError> {
    principal.require_scope(Scope::Write)?;
    let user_id = principal.user_id.as_uuid();
    let CalendarEntityType::TimeEntry = entity_type;
    own_entry(stint, user_id, entity_id).await?;
    let calendar = chosen(stint, user_id, provider).await?;
    let name = calendar.connector.spec.display_name;
    let target = target_of(stint, &calendar, stint.clock.now()).await?;
    let export = Export {
        db: &stint.db,
        writer: calendar.api.as_ref(),
        spec: &calendar.connector.spec,
        target: &target,
    };
    let token = tokens::get_valid_token(stint, calendar.integration.id)
        .await
        .map_err(|err| CoreError::ProviderUnavailable(token_failure(name, err)))?;
    match export.remove(&token, entity_id).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(CoreError::NotFound("calendar event")),
        Err(err) => Err(export_failure(name, err)),
    }
}

async fn target_of(
    stint: &Stint,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Result<CalendarTarget, CoreError> {
    CalendarTarget::new(&stint.db, &calendar.connector, &calendar.integration, now)
        .await?
        .ok_or_else(|| CoreError::Internal("a calendar connection without an owner".into()))
}

async fn linked(
    stint: &Stint,
    calendar: &Calendar,
    entry_id: Uuid,
) -> Result<Option<LinkedCalendarEvent>, CoreError> {
    let link = link_of(&stint.db, calendar.integration.id, entry_id).await?;
    Ok(link
        .filter(|l| l.external_type == super::export::LINK_TYPE)
        .map(|l| LinkedCalendarEvent {
            provider: calendar.key(),
            entity_type: CalendarEntityType::TimeEntry,
            entity_id: entry_id,
            event_id: l.external_id,
            url: l.external_url,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 3, 29, hour, minute, 0).unwrap()
    }

    #[test]
    fn busy_spans_merge_across_calendars_and_clip_to_the_span() {
        let span = TimeSpan {
            start: at(8, 0),
            end: at(18, 0),
        };
        let busy = |s, e| Busy { start: s, end: e };
        let merged = merge(
            vec![
                (busy(at(9, 0), at(10, 0)), ProviderKey::GoogleCalendar),
                (busy(at(9, 30), at(11, 0)), ProviderKey::OutlookCalendar),
                (busy(at(11, 0), at(11, 30)), ProviderKey::GoogleCalendar),
                (busy(at(7, 0), at(8, 30)), ProviderKey::GoogleCalendar),
                (busy(at(19, 0), at(20, 0)), ProviderKey::GoogleCalendar),
                (busy(at(14, 0), at(14, 0)), ProviderKey::GoogleCalendar),
            ],
            span,
        );
        assert_eq!(merged.len(), 2, "{merged:?}");
        assert_eq!((merged[0].start, merged[0].end), (at(8, 0), at(8, 30)));
        assert_eq!((merged[1].start, merged[1].end), (at(9, 0), at(11, 30)));
        assert_eq!(
            merged[1].providers,
            [ProviderKey::GoogleCalendar, ProviderKey::OutlookCalendar]
        );
    }
}
