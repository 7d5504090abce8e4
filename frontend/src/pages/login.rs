//! Sign in. A wrong email and a wrong password get the same answer; rate limiting says when to try again.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use stint_api_types::ErrorCode;
use stint_api_types::auth::{BrowserSession, LoginRequest};
use stint_api_types::email::Email;

use crate::api;
use crate::session::use_session;

#[component]
pub fn Login() -> impl IntoView {
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let address = match Email::parse(email.get_untracked().trim()) {
            Ok(address) => address,
            Err(_) => {
                error.set(Some(
                    "Enter your email address, such as ada@example.com.".to_owned(),
                ));
                return;
            }
        };
        let request = LoginRequest {
            email: address,
            password: password.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::post::<_, BrowserSession>("/api/auth/session", &request).await {
                Ok(started) => session.user.set(Some(started.user)),
                Err(err) => {
                    let message = match err.code {
                        Some(ErrorCode::InvalidCredentials) => {
                            "That email and password do not match an active account.".to_owned()
                        }
                        Some(ErrorCode::RateLimited) => {
                            format!("Too many attempts. {}", err.detail)
                        }
                        _ => err.detail,
                    };
                    error.set(Some(message));
                    password.set(String::new());
                }
            }
            busy.set(false);
        });
    };

    view! {
        <section class="login">
            <h1>"Sign in to Stint"</h1>
            <form on:submit=submit novalidate>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="username" required
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                <button type="submit" class="primary" prop:disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}
