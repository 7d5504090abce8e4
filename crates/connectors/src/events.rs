//! What a verified webhook says, in Stint's terms: an issue changed, access was revoked, or
//! nothing Stint uses. Applying is written once per kind of event, not once per provider.

use chrono::{DateTime, Utc};

/// An issue, card or ticket at a provider, as Stint keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIssue {
    /// Where it lives at the provider (`octo/hello`); a project is made for each, named so.
    pub container: String,
    /// What a container is called at the provider (`repository`, `board`); with the container's
    /// name it links the project made for it.
    pub container_kind: &'static str,
    pub container_url: Option<String>,
    /// Unique within the connection (`octo/hello#7`).
    pub reference: String,
    /// What to call it when it has no title (`Issue #7`).
    pub fallback_title: String,
    pub title: String,
    pub description: String,
    pub closed: bool,
    pub labels: Vec<String>,
    /// The provider's handles of the people it is assigned to.
    pub assignees: Vec<String>,
    pub url: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl ExternalIssue {
    pub fn has_label(&self, name: &str) -> bool {
        self.labels.iter().any(|l| l.eq_ignore_ascii_case(name))
    }
}

/// An issue event: the issue as it is now, what happened (`issues.assigned`) and who was just
/// assigned, if someone was.
#[derive(Debug, Clone)]
pub struct IssueChange {
    pub issue: ExternalIssue,
    pub action: String,
    pub assigned: Option<String>,
}

// Nearly every event is an issue change; boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum ExternalEvent {
    IssueChanged(IssueChange),
    /// The provider says access is gone (an app uninstalled, tokens revoked).
    AccessRevoked(AccessRevoked),
    /// Verified, but nothing for Stint; the reason is recorded.
    Ignored(String),
}

/// Which connections lost their access.
#[derive(Debug, Clone, Default)]
pub struct AccessRevoked {
    /// The provider's name for what happened (`app_uninstalled`).
    pub event: String,
    /// The workspace it happened in, when the provider says.
    pub workspace: Option<String>,
    /// Every connection in the workspace (the app was removed).
    pub everything: bool,
    /// The organisation's connection (its bot or app token was revoked).
    pub organisation: bool,
    /// The members (their handles at the provider) whose own connections' tokens were revoked.
    pub members: Vec<String>,
}

/// Reads a verified, recorded payload.
pub trait EventReader: Send + Sync {
    /// `Err` is a body that is not what the provider sends (recorded as malformed).
    fn read(&self, event: Option<&str>, payload: &str) -> Result<ExternalEvent, String>;
}
