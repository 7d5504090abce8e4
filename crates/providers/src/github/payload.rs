//! The parts of GitHub's issue JSON that Stint reads. The REST API (`GET /repos/{o}/{r}/issues`)
//! and the `issues` webhook carry the same issue object.

use serde::Deserialize;
use stint_connectors::ExternalIssue;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Issue {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    pub state: String,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub labels: Vec<Label>,
    #[serde(default)]
    pub assignees: Vec<Account>,
    /// Present on pull requests, which the issues endpoint lists too.
    #[serde(default)]
    pub pull_request: Option<serde_json::Value>,
    #[serde(default)]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Issue {
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }

    /// The issue as Stint keeps it; `repository` is `owner/repo`.
    pub fn into_external(self, repository: &str) -> ExternalIssue {
        let repository = repository.to_ascii_lowercase();
        ExternalIssue {
            reference: format!("{repository}#{}", self.number),
            container_url: Some(format!("https://github.com/{repository}")),
            container: repository,
            container_kind: "repository",
            fallback_title: format!("Issue #{}", self.number),
            title: self.title,
            description: self.body.unwrap_or_default(),
            closed: self.state == "closed",
            labels: self.labels.into_iter().map(|l| l.name).collect(),
            assignees: self.assignees.into_iter().map(|a| a.login).collect(),
            url: self.html_url,
            updated_at: self.updated_at,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Label {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Account {
    pub login: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Repository {
    pub full_name: String,
}

/// An `issues` webhook delivery.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssuesEvent {
    pub action: String,
    pub issue: Issue,
    pub repository: Repository,
    /// Who was just assigned (`assigned` / `unassigned`).
    #[serde(default)]
    pub assignee: Option<Account>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_keep_repositories_apart_and_ignore_case() {
        let issue: Issue = serde_json::from_value(serde_json::json!({
            "number": 7, "title": "", "state": "closed", "labels": [{ "name": "bug" }]
        }))
        .unwrap();
        let external = issue.clone().into_external("Octo/Hello");
        assert_eq!(external.reference, "octo/hello#7");
        assert_eq!(external.container, "octo/hello");
        assert!(external.closed && external.has_label("BUG"));
        assert_ne!(
            issue.clone().into_external("a/x").reference,
            issue.into_external("a/y").reference
        );
    }
}
