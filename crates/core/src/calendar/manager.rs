//! The calendar manager, provider-neutral: a member's events across their connected calendars,
//! free/busy merged across them, conflicts for planning, and calendar events made for their own
//! records. A calendar that cannot be read is named, and its time is unknown, never free.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    ModelTrait, QueryFilter, QueryOrder, QuerySelect,
};
use stint_api_types::auth::Scope;
use stint_api_types::calendar::{
    BusyInterval, CalendarEntityType, CalendarEventItem, CalendarEvents, ConflictsAnswer,
    CreateCalendarEvent, FreeBusyAnswer, LinkedCalendarEvent, PlannedBlock, PlannedBlockInput,
    TimeSpan, UnreadableCalendar, UpdateCalendarEvent,
};
use stint_api_types::providers::{IntegrationStatus, ProviderKey};
use stint_entity::{integration, planned_block, time_entry};
use uuid::Uuid;

use super::export::{
    ENTRY, Export, ExportError, Names, PLANNED_BLOCK, Pushed, Record, link_of, title,
};
use super::import::CalendarTarget;
use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;
use crate::integrations::tokens;
use crate::wire::wire_name;
use stint_connectors::CalendarApi;
use stint_connectors::Connector;
use stint_connectors::GatewayError;
use stint_connectors::Secret;
use stint_connectors::{Busy, EventStatus, EventTiming};

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
        stint_connectors::calendar_settings(&self.integration.config).calendar_id
    }

    fn unreadable(&self, reason: String) -> UnreadableCalendar {
        UnreadableCalendar {
            provider: self.key(),
            reason,
        }
    }
}

fn checked(span: TimeSpan) -> Result<TimeSpan, CoreError> {
    crate::validate::moment("start", span.start)?;
    crate::validate::moment("end", span.end)?;
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
        .map_err(|err| err.reason_for(name))?;
    match call(token).await {
        Err(GatewayError::DeadAccessToken) => {
            let token = tokens::refresh_refused(stint, id)
                .await
                .map_err(|err| err.reason_for(name))?;
            call(token).await.map_err(|e| e.to_string())
        }
        other => other.map_err(|e| e.to_string()),
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
    let planned: Vec<PlannedBlock> = planned_block::Entity::find()
        .filter(planned_block::Column::UserId.eq(principal.user_id.as_uuid()))
        .filter(planned_block::Column::StartsAt.lt(span.end))
        .filter(planned_block::Column::EndsAt.gt(span.start))
        .order_by_asc(planned_block::Column::StartsAt)
        .limit(200)
        .all(&stint.db)
        .await?
        .iter()
        .map(block_to_api)
        .collect();
    Ok(ConflictsAnswer {
        conflict: !busy.busy.is_empty()
            || !entries.is_empty()
            || !planned.is_empty()
            || !busy.unknown.is_empty(),
        busy: busy.busy,
        entries,
        planned,
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

fn block_to_api(block: &planned_block::Model) -> PlannedBlock {
    PlannedBlock {
        id: block.id,
        title: block.title.clone(),
        start: block.starts_at,
        end: block.ends_at,
    }
}

/// A planned block's title and times, checked.
fn checked_block(
    input: &PlannedBlockInput,
) -> Result<(String, DateTime<Utc>, DateTime<Utc>), CoreError> {
    let title = crate::validate::name("title", &input.title, 200)?;
    let start = crate::validate::moment("start", input.start)?;
    let end = crate::validate::moment("end", input.end)?;
    if end <= start {
        return Err(CoreError::invalid("end", "must be after start"));
    }
    if end - start > chrono::Duration::days(MAX_SPAN_DAYS) {
        return Err(CoreError::invalid(
            "end",
            format!("a block covers at most {MAX_SPAN_DAYS} days"),
        ));
    }
    Ok((title, start, end))
}

async fn own_block(
    stint: &Stint,
    user_id: Uuid,
    id: Uuid,
) -> Result<planned_block::Model, CoreError> {
    planned_block::Entity::find_by_id(id)
        .filter(planned_block::Column::UserId.eq(user_id))
        .one(&stint.db)
        .await?
        .ok_or(CoreError::NotFound("planned block"))
}

fn block_record(block: &planned_block::Model) -> Record {
    Record {
        entity_type: PLANNED_BLOCK,
        id: block.id,
        summary: title(None, &block.title),
        description: "Planned in Stint.".to_owned(),
        start: block.starts_at,
        end: block.ends_at,
        updated_at: block.updated_at,
    }
}

fn entity_name(entity_type: CalendarEntityType) -> &'static str {
    match entity_type {
        CalendarEntityType::TimeEntry => ENTRY,
        CalendarEntityType::PlannedBlock => PLANNED_BLOCK,
    }
}

/// Makes the calendar event of one of the member's records (a new planned block made with it),
/// or brings the linked one up to date.
pub async fn put_event(
    stint: &Stint,
    principal: &Principal,
    request: CreateCalendarEvent,
) -> Result<LinkedCalendarEvent, CoreError> {
    principal.require_scope(Scope::Write)?;
    let user_id = principal.user_id.as_uuid();
    match (request.entity_type, request.entity_id, &request.block) {
        (CalendarEntityType::TimeEntry, Some(id), None) => {
            push(
                stint,
                user_id,
                request.entity_type,
                id,
                request.provider,
                None,
            )
            .await
        }
        (CalendarEntityType::TimeEntry, None, _) => Err(CoreError::invalid(
            "entity_id",
            "the time entry's id is required",
        )),
        (CalendarEntityType::TimeEntry, Some(_), Some(_)) => Err(CoreError::invalid(
            "block",
            "only a planned block takes a block",
        )),
        (CalendarEntityType::PlannedBlock, Some(id), block) => {
            push(
                stint,
                user_id,
                request.entity_type,
                id,
                request.provider,
                block.as_ref(),
            )
            .await
        }
        (CalendarEntityType::PlannedBlock, None, Some(block)) => {
            let (title, start, end) = checked_block(block)?;
            // The calendar is chosen before the block is made: nothing is left behind unasked.
            chosen(stint, user_id, request.provider).await?;
            let now = stint.clock.now();
            let made = planned_block::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user_id),
                title: Set(title),
                starts_at: Set(start),
                ends_at: Set(end),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&stint.db)
            .await?;
            push(
                stint,
                user_id,
                request.entity_type,
                made.id,
                request.provider,
                None,
            )
            .await
        }
        (CalendarEntityType::PlannedBlock, None, None) => Err(CoreError::invalid(
            "block",
            "give the planned block's title, start and end (or the id of one)",
        )),
    }
}

/// Brings a record's event up to date; a planned block may change with it.
pub async fn update_event(
    stint: &Stint,
    principal: &Principal,
    entity_type: CalendarEntityType,
    entity_id: Uuid,
    provider: Option<ProviderKey>,
    request: UpdateCalendarEvent,
) -> Result<LinkedCalendarEvent, CoreError> {
    principal.require_scope(Scope::Write)?;
    if entity_type == CalendarEntityType::TimeEntry && request.block.is_some() {
        return Err(CoreError::invalid(
            "block",
            "only a planned block takes a block",
        ));
    }
    let user_id = principal.user_id.as_uuid();
    push(
        stint,
        user_id,
        entity_type,
        entity_id,
        provider,
        request.block.as_ref(),
    )
    .await
}

async fn push(
    stint: &Stint,
    user_id: Uuid,
    entity_type: CalendarEntityType,
    entity_id: Uuid,
    provider: Option<ProviderKey>,
    change: Option<&PlannedBlockInput>,
) -> Result<LinkedCalendarEvent, CoreError> {
    enum Own {
        Entry(time_entry::Model),
        Block(planned_block::Model),
    }
    let own = match entity_type {
        CalendarEntityType::TimeEntry => {
            let entry = own_entry(stint, user_id, entity_id).await?;
            if entry.ended_at.is_none() {
                return Err(CoreError::Conflict(
                    "the entry is still running; stop it first".to_owned(),
                ));
            }
            Own::Entry(entry)
        }
        CalendarEntityType::PlannedBlock => Own::Block(own_block(stint, user_id, entity_id).await?),
    };
    let calendar = chosen(stint, user_id, provider).await?;
    let now = stint.clock.now();
    let own = match (own, change) {
        (Own::Block(block), Some(change)) => {
            let (title, start, end) = checked_block(change)?;
            let mut model = block.into_active_model();
            model.title = Set(title);
            model.starts_at = Set(start);
            model.ends_at = Set(end);
            model.updated_at = Set(now);
            Own::Block(model.update(&stint.db).await?)
        }
        (own, _) => own,
    };
    let name = calendar.connector.spec.display_name;
    let target = target_of(stint, &calendar, now).await?;
    let export = Export {
        db: &stint.db,
        writer: calendar.api.as_ref(),
        spec: &calendar.connector.spec,
        target: &target,
    };
    let token = tokens::get_valid_token(stint, calendar.integration.id)
        .await
        .map_err(|err| CoreError::ProviderUnavailable(err.reason_for(name)))?;
    let pushed = match &own {
        Own::Entry(entry) => export.push(&token, entry, &mut Names::default(), now).await,
        Own::Block(block) => export.push_record(&token, &block_record(block), now).await,
    }
    .map_err(|err| export_failure(name, err))?;
    if pushed == Pushed::Gone {
        return Err(CoreError::Conflict(format!(
            "the record's event was deleted in {name}; it is not made again"
        )));
    }
    linked(stint, &calendar, entity_type, entity_id)
        .await?
        .ok_or_else(|| {
            CoreError::Conflict(format!(
                "{name} keeps no event for an entry imported from a calendar"
            ))
        })
}

/// Deletes the calendar event of one of the member's records; a planned block goes with it.
pub async fn delete_event(
    stint: &Stint,
    principal: &Principal,
    entity_type: CalendarEntityType,
    entity_id: Uuid,
    provider: Option<ProviderKey>,
) -> Result<(), CoreError> {
    principal.require_scope(Scope::Write)?;
    let user_id = principal.user_id.as_uuid();
    let block = match entity_type {
        CalendarEntityType::TimeEntry => {
            own_entry(stint, user_id, entity_id).await?;
            None
        }
        CalendarEntityType::PlannedBlock => Some(own_block(stint, user_id, entity_id).await?),
    };
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
        .map_err(|err| CoreError::ProviderUnavailable(err.reason_for(name)))?;
    let removed = export
        .remove(&token, entity_name(entity_type), entity_id)
        .await
        .map_err(|err| export_failure(name, err))?;
    match block {
        // A planned block lives for its event: both go.
        Some(block) => {
            block.delete(&stint.db).await?;
            Ok(())
        }
        None if removed => Ok(()),
        None => Err(CoreError::NotFound("calendar event")),
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
    entity_type: CalendarEntityType,
    entity_id: Uuid,
) -> Result<Option<LinkedCalendarEvent>, CoreError> {
    let link = link_of(
        &stint.db,
        calendar.integration.id,
        entity_name(entity_type),
        entity_id,
    )
    .await?;
    Ok(link
        .filter(|l| l.external_type == super::export::LINK_TYPE)
        .map(|l| LinkedCalendarEvent {
            provider: calendar.key(),
            entity_type,
            entity_id,
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
