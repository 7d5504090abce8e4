//! Admin pages: the people who use Stint, and the webhook deliveries Stint received.

use leptos::prelude::*;
use leptos::task::spawn_local;
use stint_api_types::auth::Role;
use stint_api_types::email::Email;
use stint_api_types::users::{CreateUser, UpdateUser, User};
use stint_api_types::webhooks::{DeliveryOutcome, WebhookDelivery};
use stint_api_types::{Page, UserId};

use crate::api;
use crate::format::moment;
use crate::notice::{Notice, NoticeLine};
use crate::session::use_session;

fn admins_only() -> impl IntoView {
    view! { <h1>"Admin"</h1><p>"Only admins see this page."</p> }
}

/// Applies a change to one user and says how it went.
fn change_user(
    id: UserId,
    change: UpdateUser,
    done: &'static str,
    notice: RwSignal<Option<Notice>>,
    reload: impl Fn() + 'static,
) {
    spawn_local(async move {
        match api::patch::<_, User>(&format!("/api/admin/users/{id}"), &change).await {
            Ok(user) => {
                notice.set(Some(Notice::Done(format!("{} {done}.", user.display_name))));
                reload();
            }
            Err(err) => notice.set(Some(Notice::Failed(err.detail))),
        }
    });
}

#[component]
pub fn Users() -> impl IntoView {
    let session = use_session();
    let notice = RwSignal::new(None::<Notice>);
    let users = LocalResource::new(|| api::get::<Page<User>>("/api/admin/users?limit=200"));
    let reload = move || users.refetch();
    let me = session.user.with_untracked(|u| u.as_ref().map(|u| u.id));

    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let admin = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(address) = Email::parse(email.get_untracked().trim()) else {
            notice.set(Some(Notice::Failed(
                "Enter an email address, such as ada@example.com.".to_owned(),
            )));
            return;
        };
        let request = CreateUser {
            email: address,
            display_name: Some(name.get_untracked().trim().to_owned()).filter(|n| !n.is_empty()),
            password: password.get_untracked(),
            role: if admin.get_untracked() {
                Role::Admin
            } else {
                Role::Member
            },
            timezone: None,
        };
        spawn_local(async move {
            match api::post::<_, User>("/api/admin/users", &request).await {
                Ok(user) => {
                    notice.set(Some(Notice::Done(format!(
                        "{} can sign in now with the password you chose.",
                        user.email
                    ))));
                    email.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
                    reload();
                }
                Err(err) => notice.set(Some(Notice::Failed(err.detail))),
            }
        });
    };

    move || {
        if !session.is_admin() {
            return admins_only().into_any();
        }
        let list = match users.get() {
            None => view! { <p class="loading" aria-busy="true">"Loading people…"</p> }.into_any(),
            Some(Err(err)) => view! { <p class="notice error" role="alert">{err.detail}</p> }.into_any(),
            Some(Ok(page)) => view! {
                <table class="runs">
                    <caption class="sr">"People"</caption>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>{page.items.into_iter().map(|user| {
                        let id = user.id;
                        let is_me = Some(id) == me;
                        let active = user.active;
                        let other_role = if user.role == Role::Admin { Role::Member } else { Role::Admin };
                        let role_label = if user.role == Role::Admin { "Make member" } else { "Make admin" };
                        view! {
                            <tr data-testid="user">
                                <td>{user.display_name.clone()}</td>
                                <td>{user.email.to_string()}</td>
                                <td>{if user.role == Role::Admin { "admin" } else { "member" }}</td>
                                <td><span class=if active { "badge active" } else { "badge" }>{if active { "active" } else { "deactivated" }}</span></td>
                                <td class="actions">
                                    {(!is_me).then(|| view! {
                                        <button type="button" on:click=move |_| change_user(id, UpdateUser { role: Some(other_role), ..Default::default() }, "has a new role", notice, reload)>{role_label}</button>
                                        <button type="button" class=if active { "danger" } else { "" } on:click=move |_| {
                                            if active && !window().confirm_with_message("Deactivate this person? They are signed out at once and cannot sign in.").unwrap_or(false) { return; }
                                            change_user(id, UpdateUser { active: Some(!active), ..Default::default() }, if active { "is deactivated" } else { "is active again" }, notice, reload);
                                        }>{if active { "Deactivate" } else { "Reactivate" }}</button>
                                    })}
                                    <button type="button" on:click=move |_| spawn_local(async move {
                                        match api::send::<()>("POST", &format!("/api/admin/users/{id}/sign-out"), None).await {
                                            Ok(()) => notice.set(Some(Notice::Done("Every session of that person has ended.".to_owned()))),
                                            Err(err) => notice.set(Some(Notice::Failed(err.detail))),
                                        }
                                    })>"Sign out everywhere"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}</tbody>
                </table>
            }.into_any(),
        };
        view! {
            <h1>"People"</h1>
            <NoticeLine notice/>
            <form class="new-entry" on:submit=create aria-label="Add a person">
                <div><label for="new-email">"Email"</label>
                <input id="new-email" type="email" autocomplete="off" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/></div>
                <div><label for="new-name">"Name"</label>
                <input id="new-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></div>
                <div><label for="new-password">"First password (8+ characters)"</label>
                <input id="new-password" type="password" autocomplete="new-password" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/></div>
                <label class="check"><input type="checkbox" prop:checked=move || admin.get() on:change=move |ev| admin.set(event_target_checked(&ev))/>"Admin"</label>
                <button type="submit" class="primary">"Add person"</button>
            </form>
            {list}
        }
        .into_any()
    }
}

fn outcome_word(outcome: DeliveryOutcome) -> &'static str {
    match outcome {
        DeliveryOutcome::Queued => "queued",
        DeliveryOutcome::Applied => "applied",
        DeliveryOutcome::Ignored => "ignored",
        DeliveryOutcome::Failed => "failed",
        DeliveryOutcome::Rejected => "rejected",
        DeliveryOutcome::Malformed => "malformed",
    }
}

#[component]
pub fn Deliveries() -> impl IntoView {
    let session = use_session();
    let notice = RwSignal::new(None::<Notice>);
    let deliveries = LocalResource::new(|| {
        api::get::<Page<WebhookDelivery>>("/api/admin/webhook-deliveries?limit=100")
    });
    move || {
        if !session.is_admin() {
            return admins_only().into_any();
        }
        let list = match deliveries.get() {
            None => view! { <p class="loading" aria-busy="true">"Loading deliveries…"</p> }.into_any(),
            Some(Err(err)) => view! { <p class="notice error" role="alert">{err.detail}</p> }.into_any(),
            Some(Ok(page)) if page.items.is_empty() => view! { <p class="empty">"No webhook has arrived yet."</p> }.into_any(),
            Some(Ok(page)) => view! {
                <table class="runs">
                    <caption class="sr">"Webhook deliveries, newest first"</caption>
                    <thead><tr><th scope="col">"Received"</th><th scope="col">"Provider"</th><th scope="col">"Event"</th><th scope="col">"Outcome"</th><th scope="col">"Detail"</th><th scope="col"><span class="sr">"Actions"</span></th></tr></thead>
                    <tbody>{page.items.into_iter().map(|d| {
                        let id = d.id;
                        let word = outcome_word(d.outcome);
                        view! {
                            <tr data-testid="delivery">
                                <td>{moment(d.received_at)}</td>
                                <td>{d.provider.to_string()}</td>
                                <td>{d.event.clone().unwrap_or_default()}</td>
                                <td><span class=format!("badge {word}")>{word}</span></td>
                                <td>{d.detail.clone().unwrap_or_default()}</td>
                                <td>{d.can_reapply.then(|| view! {
                                    <button type="button" on:click=move |_| spawn_local(async move {
                                        match api::post::<_, WebhookDelivery>(&format!("/api/admin/webhook-deliveries/{id}/reapply"), &()).await {
                                            Ok(again) => notice.set(Some(Notice::Done(format!("Applied again: {}.", outcome_word(again.outcome))))),
                                            Err(err) => notice.set(Some(Notice::Failed(err.detail))),
                                        }
                                        deliveries.refetch();
                                    })>"Re-apply"</button>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}</tbody>
                </table>
            }.into_any(),
        };
        view! { <h1>"Webhook deliveries"</h1><NoticeLine notice/>{list} }.into_any()
    }
}
