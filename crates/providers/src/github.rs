//! GitHub's REST API: open issues of a repository, page by page, with the rate-limit headers.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use stint_core::Secret;
use stint_core::catalogue::ProviderSpec;
use stint_core::github::api::{GithubApi, IssuePage, IssueQuery};
use stint_core::github::payload::Issue;
use stint_core::integrations::gateway::GatewayError;

use crate::http;

pub struct HttpGithub {
    http: reqwest::Client,
}

impl HttpGithub {
    pub fn new() -> Self {
        HttpGithub {
            http: http::client(),
        }
    }

    async fn get(
        &self,
        token: &Secret,
        request: reqwest::RequestBuilder,
    ) -> Result<IssuePage, GatewayError> {
        let response = request
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| GatewayError::Inconclusive(format!("request failed: {e}")))?;
        let status = response.status();
        let headers = response.headers().clone();
        let rate_remaining = header_number::<u64>(&headers, "x-ratelimit-remaining");
        let rate_reset = header_number::<i64>(&headers, "x-ratelimit-reset");
        let retry_after = header_number::<u64>(&headers, "retry-after").map(Duration::from_secs);
        match status {
            s if s.is_success() => {
                let issues: Vec<Issue> = response
                    .json()
                    .await
                    .map_err(|e| GatewayError::Inconclusive(format!("unexpected answer: {e}")))?;
                Ok(IssuePage {
                    issues,
                    next: next_link(&headers),
                    rate_remaining,
                    rate_reset,
                })
            }
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

impl Default for HttpGithub {
    fn default() -> Self {
        Self::new()
    }
}

fn header_number<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The `rel="next"` target of a `Link` header.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
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

#[async_trait::async_trait]
impl GithubApi for HttpGithub {
    async fn open_issues(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        query: &IssueQuery<'_>,
    ) -> Result<IssuePage, GatewayError> {
        let mut params = vec![
            ("state", "open".to_owned()),
            ("per_page", "100".to_owned()),
            ("sort", "updated".to_owned()),
            ("direction", "asc".to_owned()),
        ];
        if let Some(label) = query.label {
            params.push(("labels", label.to_owned()));
        }
        if let Some(since) = query.since {
            params.push((
                "since",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ));
        }
        let url = format!("{}/repos/{}/issues", spec.api_base, query.repository);
        self.get(token, self.http.get(url).query(&params)).await
    }

    async fn next_page(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        url: &str,
    ) -> Result<IssuePage, GatewayError> {
        // The token goes only to GitHub's own API, whatever a Link header says.
        if !url.starts_with(&format!("{}/", spec.api_base.trim_end_matches('/'))) {
            return Err(GatewayError::Refused(format!(
                "GitHub's next page points outside its API ({url})"
            )));
        }
        self.get(token, self.http.get(url)).await
    }
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
