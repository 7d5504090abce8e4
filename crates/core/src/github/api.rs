//! What core needs from GitHub's REST API, implemented over HTTP in `stint-providers`.

use crate::catalogue::ProviderSpec;
use crate::integrations::gateway::GatewayError;
use crate::secret::Secret;

use super::payload::Issue;

/// One page of `GET /repos/{owner}/{repo}/issues`.
#[derive(Debug, Clone)]
pub struct IssuePage {
    pub issues: Vec<Issue>,
    /// The `Link: <…>; rel="next"` URL.
    pub next: Option<String>,
    /// `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds).
    pub rate_remaining: Option<u64>,
    pub rate_reset: Option<i64>,
}

/// Which issues to list.
#[derive(Debug, Clone)]
pub struct IssueQuery<'a> {
    pub repository: &'a str,
    pub label: Option<&'a str>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

#[async_trait::async_trait]
pub trait GithubApi: Send + Sync {
    /// The first page of open issues; later pages come from `next_page`.
    async fn open_issues(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        query: &IssueQuery<'_>,
    ) -> Result<IssuePage, GatewayError>;

    /// A page named by a previous page's `next` link (only followed on the API's own host).
    async fn next_page(
        &self,
        spec: &ProviderSpec,
        token: &Secret,
        url: &str,
    ) -> Result<IssuePage, GatewayError>;
}
