//! GitHub's issues as a sync source: each configured repository's open issues, page by page
//! (`Link`), incremental with `since` after a complete run, with the rate-limit headers read.
//!
//! The cursor is `{"since": t}` after a complete run, and `{"next": url, "started": t}` while a
//! run is under way, so a run cut short resumes at the page after the last one applied.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};
use stint_api_types::providers::GithubSettings;
use stint_connectors::GatewayError;
use stint_connectors::ProviderSpec;
use stint_connectors::Secret;
use stint_connectors::{
    IssueRouting, IssueTracker, Position, SourceConnection, SourcePage, SyncItem, SyncSource,
};

use super::payload::Issue;
use crate::http;

pub(crate) struct Issues {
    http: reqwest::Client,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Cursor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    started: Option<DateTime<Utc>>,
}

impl Cursor {
    /// Earlier versions stored the `since` time alone.
    fn read(stored: Option<&str>) -> Cursor {
        let Some(stored) = stored else {
            return Cursor::default();
        };
        if let Ok(since) = DateTime::parse_from_rfc3339(stored) {
            return Cursor {
                since: Some(since.with_timezone(&Utc)),
                ..Cursor::default()
            };
        }
        serde_json::from_str(stored).unwrap_or_default()
    }
}

fn settings(config: &serde_json::Value) -> GithubSettings {
    // Settings were checked when stored; an unreadable value means defaults, not a failure.
    serde_json::from_value(config.clone()).unwrap_or_default()
}

/// A page as GitHub answered it.
struct Answer {
    issues: Vec<Issue>,
    next: Option<String>,
    rate_remaining: Option<u64>,
    rate_reset: Option<i64>,
}

impl Issues {
    pub(crate) fn new(http: reqwest::Client) -> Self {
        Issues { http }
    }

    async fn get(
        &self,
        token: &Secret,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer, GatewayError> {
        let response = request
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(http::unreachable)?;
        let status = response.status();
        let headers = response.headers().clone();
        let rate_remaining = header_number::<u64>(&headers, "x-ratelimit-remaining");
        let rate_reset = header_number::<i64>(&headers, "x-ratelimit-reset");
        let retry_after = header_number::<u64>(&headers, "retry-after").map(Duration::from_secs);
        match status {
            s if s.is_success() => Ok(Answer {
                issues: http::parse(response).await?,
                next: next_link(&headers),
                rate_remaining,
                rate_reset,
            }),
            StatusCode::TOO_MANY_REQUESTS => Err(GatewayError::RateLimited {
                retry_after,
                reset_at: rate_reset,
            }),
            // GitHub answers an exhausted quota (primary or secondary) with 403.
            StatusCode::FORBIDDEN if retry_after.is_some() || rate_remaining == Some(0) => {
                Err(GatewayError::RateLimited {
                    retry_after,
                    reset_at: rate_reset,
                })
            }
            StatusCode::UNAUTHORIZED => Err(GatewayError::DeadAccessToken),
            StatusCode::NOT_FOUND => Err(GatewayError::Refused(
                "the repository does not exist or the connection cannot see it".to_owned(),
            )),
            StatusCode::FORBIDDEN => Err(GatewayError::Refused(
                "the connection may not read this repository's issues".to_owned(),
            )),
            other => Err(GatewayError::Inconclusive(format!("HTTP {other}"))),
        }
    }
}

impl IssueTracker for Issues {
    fn routing(&self, config: &serde_json::Value) -> IssueRouting {
        let settings = settings(config);
        IssueRouting {
            container_projects: settings
                .repository_projects
                .into_iter()
                .map(|(repository, project)| (repository.to_ascii_lowercase(), project))
                .collect(),
            label_filter: settings.label_filter,
        }
    }
}

#[async_trait::async_trait]
impl SyncSource for Issues {
    fn kind(&self) -> &'static str {
        "issues"
    }

    fn resources(&self, config: &serde_json::Value) -> Result<Vec<String>, String> {
        let repositories = settings(config).repositories;
        if repositories.is_empty() {
            return Err(
                "no repositories are configured; set them with PUT /api/integrations/github/config"
                    .to_owned(),
            );
        }
        Ok(repositories)
    }

    async fn page(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        connection: &SourceConnection<'_>,
        repository: &str,
        position: &Position<'_>,
    ) -> Result<SourcePage, GatewayError> {
        let cursor = Cursor::read(position.cursor);
        let (answer, started) = match cursor.next {
            Some(next) => {
                // The token goes only to GitHub's own API, whatever a Link header said.
                if !next.starts_with(&format!("{}/", spec.api_base.trim_end_matches('/'))) {
                    return Err(GatewayError::Refused(format!(
                        "GitHub's next page points outside its API ({next})"
                    )));
                }
                let started = cursor.started.unwrap_or(position.run_started);
                (self.get(token, self.http.get(next)).await?, started)
            }
            None => {
                let mut params = vec![
                    ("state", "open".to_owned()),
                    ("per_page", "100".to_owned()),
                    ("sort", "updated".to_owned()),
                    ("direction", "asc".to_owned()),
                ];
                if let Some(label) = settings(connection.config).label_filter {
                    params.push(("labels", label));
                }
                if let Some(login) = connection.personal_account {
                    params.push(("assignee", login.to_owned()));
                }
                if let Some(since) = cursor.since {
                    params.push((
                        "since",
                        since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    ));
                }
                let url = format!("{}/repos/{repository}/issues", spec.api_base);
                let request = self.http.get(url).query(&params);
                (self.get(token, request).await?, position.run_started)
            }
        };
        let more = answer.next.is_some();
        let next_cursor = if more {
            Cursor {
                since: None,
                next: answer.next,
                started: Some(started),
            }
        } else {
            Cursor {
                since: Some(started),
                ..Cursor::default()
            }
        };
        let pause_until = (answer.rate_remaining == Some(0))
            .then(|| {
                answer
                    .rate_reset
                    .and_then(|r| DateTime::from_timestamp(r, 0))
            })
            .flatten();
        Ok(SourcePage {
            items: answer
                .issues
                .into_iter()
                .map(|issue| {
                    if issue.is_pull_request() {
                        SyncItem::Skip
                    } else {
                        SyncItem::Issue(issue.into_external(repository))
                    }
                })
                .collect(),
            cursor: serde_json::to_string(&next_cursor).unwrap_or_default(),
            more,
            pause_until,
            // The issues list does not say how many there are.
            total: None,
        })
    }
}

fn header_number<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The `rel="next"` target of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim();
                p == "rel=\"next\"" || p == "rel=next"
            });
            is_next.then(|| {
                target
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
        })
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderValue, LINK};

    use super::*;

    #[test]
    fn finds_the_next_link_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LINK,
            HeaderValue::from_static(
                "<https://api.github.com/repositories/1300192/issues?page=2>; rel=\"prev\", <https://api.github.com/repositories/1300192/issues?page=4>; rel=\"next\", <https://api.github.com/repositories/1300192/issues?page=515>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://api.github.com/repositories/1300192/issues?page=4")
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use reqwest::header::{HeaderValue, LINK};

    use super::*;

    proptest! {
        #[test]
        fn any_stored_cursor_is_read_without_panic(stored in ".{0,300}") {
            let _ = Cursor::read(Some(&stored));
        }

        #[test]
        fn a_cursor_survives_being_stored(secs in 0i64..4_000_000_000, next in proptest::option::of("[ -~]{0,200}")) {
            let since = DateTime::<Utc>::from_timestamp(secs, 0);
            let cursor = Cursor { since, next: next.clone(), ..Cursor::default() };
            let stored = serde_json::to_string(&cursor).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let read = Cursor::read(Some(&stored));
            prop_assert_eq!(read.since, since);
            prop_assert_eq!(read.next, next);
        }

        #[test]
        fn any_link_header_is_read_without_panic(link in "[ -~]{0,300}") {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&link) {
                headers.insert(LINK, value);
            }
            let _ = next_link(&headers);
        }
    }
}
