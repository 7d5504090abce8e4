//! Chat commands for every chat provider: `/tt start [project] | stop | status | today | help`,
//! answered inline with a message only the member sees (Slack waits 3 s; Stint never calls
//! `response_url`).

pub mod members;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use stint_api_types::ProjectId;
use stint_api_types::tracking::StartTimer;
use stint_entity::{project, user};
use uuid::Uuid;

use crate::context::Stint;
use crate::error::CoreError;
use crate::notify::report::{self, clock_time, duration, time_zone};
use crate::tracking::timer;
use stint_connectors::ChatCommand;
use stint_connectors::Connector;

const HELP: &str = "*Stint* tracks your time from {chat}:\n\
• `/tt start [project]` starts your timer, on a project named (or partly named) like that\n\
• `/tt stop` stops it\n\
• `/tt status` says what is running\n\
• `/tt today` lists today's time\n\
• `/tt help` shows this";

/// Answers a command; the text is shown only to the member who typed it.
pub async fn answer(
    stint: &Stint,
    connector: &Connector,
    command: &ChatCommand,
) -> Result<String, CoreError> {
    let user = match members::resolve(stint, connector, &command.member).await? {
        Ok(user) => user,
        Err(unmatched) => return Ok(unmatched.message(connector.spec.display_name)),
    };
    let argument = command.argument();
    match command.verb().as_str() {
        "start" => start(stint, connector, &user, argument).await,
        "stop" => stop(stint, &user).await,
        "status" => status(stint, &user).await,
        "today" => today(stint, &user).await,
        _ => Ok(HELP.replace("{chat}", connector.spec.display_name)),
    }
}

enum ProjectChoice {
    None,
    One(project::Model),
    Several(Vec<project::Model>),
    NoMatch(Vec<project::Model>),
}

async fn choose_project(stint: &Stint, wanted: &str) -> Result<ProjectChoice, CoreError> {
    if wanted.is_empty() {
        return Ok(ProjectChoice::None);
    }
    let projects = project::Entity::find()
        .filter(project::Column::Archived.eq(false))
        .order_by_asc(project::Column::Name)
        .all(&stint.db)
        .await?;
    if let Ok(id) = wanted.parse::<Uuid>() {
        return Ok(match projects.into_iter().find(|p| p.id == id) {
            Some(found) => ProjectChoice::One(found),
            None => ProjectChoice::NoMatch(Vec::new()),
        });
    }
    let needle = wanted.to_lowercase();
    if let Some(exact) = projects.iter().find(|p| p.name.to_lowercase() == needle) {
        return Ok(ProjectChoice::One(exact.clone()));
    }
    let mut matching: Vec<project::Model> = projects
        .iter()
        .filter(|p| p.name.to_lowercase().contains(&needle))
        .cloned()
        .collect();
    Ok(match matching.len() {
        0 => ProjectChoice::NoMatch(projects),
        1 => ProjectChoice::One(matching.remove(0)),
        _ => ProjectChoice::Several(matching),
    })
}

fn list_projects(projects: &[project::Model]) -> String {
    let mut text = String::new();
    for p in projects.iter().take(10) {
        text.push_str(&format!("\n• {} — `/tt start {}`", p.name, p.id));
    }
    if projects.len() > 10 {
        text.push_str(&format!("\n…and {} more", projects.len() - 10));
    }
    text
}

async fn start(
    stint: &Stint,
    connector: &Connector,
    user: &user::Model,
    wanted: &str,
) -> Result<String, CoreError> {
    let project = match choose_project(stint, wanted).await? {
        ProjectChoice::None => None,
        ProjectChoice::One(p) => Some(p),
        ProjectChoice::Several(options) => {
            return Ok(format!(
                "Several projects match “{wanted}”. Which one?{}",
                list_projects(&options)
            ));
        }
        ProjectChoice::NoMatch(all) if all.is_empty() => {
            return Ok(format!("No project matches “{wanted}”."));
        }
        ProjectChoice::NoMatch(all) => {
            return Ok(format!(
                "No project matches “{wanted}”. Projects:{}",
                list_projects(&all)
            ));
        }
    };
    let principal = crate::users::principal_for(stint, user.id).await?;
    let request = StartTimer {
        project_id: project.as_ref().map(|p| ProjectId::from(p.id)),
        task_id: None,
        notes: None,
    };
    let tz = time_zone(user);
    match timer::start(stint, &principal, request, connector.spec.entry_source).await {
        Ok(entry) => Ok(format!(
            "⏱ Timer started on {} at {}.",
            project
                .map(|p| format!("*{}*", p.name))
                .unwrap_or_else(|| "no project".to_owned()),
            clock_time(entry.started_at, tz)
        )),
        Err(CoreError::TimerAlreadyRunning) => {
            let running = status(stint, user).await?;
            Ok(format!("{running} Stop it with `/tt stop` first."))
        }
        Err(err) => Err(err),
    }
}

async fn stop(stint: &Stint, user: &user::Model) -> Result<String, CoreError> {
    let principal = crate::users::principal_for(stint, user.id).await?;
    match timer::stop(stint, &principal).await {
        Ok(entry) => {
            let spent = entry
                .ended_at
                .map(|end| end - entry.started_at)
                .unwrap_or_default();
            let what = report::label(
                stint,
                entry.project_id.map(|p| p.as_uuid()),
                entry.task_id.map(|t| t.as_uuid()),
            )
            .await?;
            Ok(format!("⏹ Stopped: {what} — {}.", duration(spent)))
        }
        Err(CoreError::NoTimerRunning) => Ok("No timer is running.".to_owned()),
        Err(err) => Err(err),
    }
}

async fn status(stint: &Stint, user: &user::Model) -> Result<String, CoreError> {
    let Some(entry) = timer::running_entry(stint, user.id.into()).await? else {
        return Ok("No timer is running.".to_owned());
    };
    let what = report::label(stint, entry.project_id, entry.task_id).await?;
    let spent = stint.clock.now() - entry.started_at;
    Ok(format!(
        "⏱ Running on {what} since {} ({}).",
        clock_time(entry.started_at, time_zone(user)),
        duration(spent)
    ))
}

async fn today(stint: &Stint, user: &user::Model) -> Result<String, CoreError> {
    let date = stint
        .clock
        .now()
        .with_timezone(&time_zone(user))
        .date_naive();
    let day = report::day(stint, user, date).await?;
    Ok(day.render(&format!("Today ({date})"), 20))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_are_case_insensitive_and_the_argument_follows() {
        let command = ChatCommand {
            text: "  START acme corp ".into(),
            ..Default::default()
        };
        assert_eq!(command.verb(), "start");
        assert_eq!(command.argument(), "acme corp");
        assert!(HELP.replace("{chat}", "Slack").contains("from Slack"));
    }
}
