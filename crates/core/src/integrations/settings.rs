//! Provider settings, checked against each provider's schema before they are stored.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use serde::de::DeserializeOwned;
use serde_json::Value;
use stint_api_types::providers::{
    CalendarSettings, GithubSettings, Integration, IntegrationScope, ProviderKey, SlackSettings,
};

use super::connections;
use super::scope::Purpose;
use crate::auth::Principal;
use crate::context::Stint;
use crate::error::CoreError;

fn parse<T: DeserializeOwned>(value: Value) -> Result<T, CoreError> {
    serde_json::from_value(value).map_err(|e| CoreError::invalid("config", e.to_string()))
}

fn github(mut settings: GithubSettings) -> Result<GithubSettings, CoreError> {
    if settings.repositories.len() > 100 {
        return Err(CoreError::invalid(
            "repositories",
            "at most 100 repositories",
        ));
    }
    let is_repo = |name: &str| {
        let mut parts = name.split('/');
        let ok = |p: Option<&str>| {
            p.is_some_and(|p| {
                !p.is_empty()
                    && p.len() <= 100
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            })
        };
        ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
    };
    for repo in settings
        .repositories
        .iter()
        .chain(settings.repository_projects.keys())
    {
        if !is_repo(repo) {
            return Err(CoreError::invalid(
                "repositories",
                format!("`{repo}` is not owner/repo"),
            ));
        }
    }
    settings.repositories = settings
        .repositories
        .iter()
        .map(|r| r.to_ascii_lowercase())
        .collect();
    settings.repository_projects = std::mem::take(&mut settings.repository_projects)
        .into_iter()
        .map(|(repo, project)| (repo.to_ascii_lowercase(), project))
        .collect();
    settings.repositories.sort();
    settings.repositories.dedup();
    if let Some(label) = &settings.label_filter {
        settings.label_filter = Some(crate::validate::name("label_filter", label, 100)?);
    }
    Ok(settings)
}

fn calendar(mut settings: CalendarSettings) -> Result<CalendarSettings, CoreError> {
    settings.calendar_id = crate::validate::name("calendar_id", &settings.calendar_id, 300)?;
    settings.sync_days_back = settings.sync_days_back.clamp(1, 30);
    Ok(settings)
}

fn slack(mut settings: SlackSettings) -> Result<SlackSettings, CoreError> {
    if let Some(channel) = &settings.channel {
        let channel = channel.trim();
        let named = channel.strip_prefix('#').is_some_and(|n| {
            (1..=80).contains(&n.len())
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c))
        });
        let id = (9..=12).contains(&channel.len())
            && channel.starts_with(['C', 'G'])
            && channel.chars().all(|c| c.is_ascii_alphanumeric());
        if !named && !id {
            return Err(CoreError::invalid(
                "channel",
                "must be #channel-name or a channel id such as C024BE91L",
            ));
        }
        settings.channel = Some(channel.to_owned());
    }
    if let Some(time) = &settings.daily_summary_time {
        let valid = chrono::NaiveTime::parse_from_str(time, "%H:%M").is_ok() && time.len() == 5;
        if !valid {
            return Err(CoreError::invalid(
                "daily_summary_time",
                "must be HH:MM, such as 17:30",
            ));
        }
    }
    Ok(settings)
}

/// Checks `value` against the provider's schema and stores its normalised form.
pub fn normalise(key: ProviderKey, value: Value) -> Result<Value, CoreError> {
    let normalised = match key {
        ProviderKey::Github => serde_json::to_value(github(parse(value)?)?),
        ProviderKey::GoogleCalendar | ProviderKey::OutlookCalendar => {
            serde_json::to_value(calendar(parse(value)?)?)
        }
        ProviderKey::Slack => serde_json::to_value(slack(parse(value)?)?),
        _ => match value {
            Value::Object(map) if map.is_empty() => Ok(Value::Object(map)),
            _ => {
                return Err(CoreError::invalid(
                    "config",
                    format!("{key} has no settings yet; send {{}}"),
                ));
            }
        },
    };
    normalised.map_err(|e| CoreError::Internal(e.to_string()))
}

pub async fn update(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    scope: Option<IntegrationScope>,
    value: Value,
) -> Result<Integration, CoreError> {
    principal.require_scope(stint_api_types::auth::Scope::Write)?;
    let scope = super::scope::chosen(stint, principal, key, scope, Purpose::Use).await?;
    let found = connections::visible(stint, principal, key, scope, true).await?;
    let config = normalise(key, value)?;
    let mut model = found.into_active_model();
    model.config = Set(config);
    model.updated_at = Set(stint.clock.now());
    connections::to_api(&model.update(&stint.db).await?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn schemas_per_provider() {
        let github = normalise(ProviderKey::Github, json!({ "repositories": ["Octo/Hello-World", "octo/hello-world"], "label_filter": " stint " })).unwrap();
        assert_eq!(github["repositories"], json!(["octo/hello-world"]));
        assert_eq!(github["label_filter"], "stint");
        assert!(
            normalise(
                ProviderKey::Github,
                json!({ "repositories": ["not a repo"] })
            )
            .is_err()
        );
        assert!(normalise(ProviderKey::Github, json!({ "repos": [] })).is_err());

        let google = normalise(
            ProviderKey::GoogleCalendar,
            json!({ "sync_direction": "both", "sync_days_back": 90 }),
        )
        .unwrap();
        assert_eq!(
            google,
            json!({ "calendar_id": "primary", "sync_direction": "both", "sync_days_back": 30 })
        );
        assert_eq!(
            normalise(ProviderKey::GoogleCalendar, json!({ "sync_days_back": 0 })).unwrap()["sync_days_back"],
            1
        );
        assert!(
            normalise(
                ProviderKey::GoogleCalendar,
                json!({ "sync_direction": "sideways" })
            )
            .is_err()
        );

        assert!(
            normalise(
                ProviderKey::Slack,
                json!({ "channel": "#general", "daily_summary_time": "17:30" })
            )
            .is_ok()
        );
        assert!(normalise(ProviderKey::Slack, json!({ "daily_summary_time": "25:00" })).is_err());
        assert!(normalise(ProviderKey::Slack, json!({ "channel": "general" })).is_err());

        assert!(normalise(ProviderKey::Xero, json!({})).is_ok());
        assert!(normalise(ProviderKey::Xero, json!({ "x": 1 })).is_err());
    }
}
