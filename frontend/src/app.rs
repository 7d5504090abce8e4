//! The app's frame: who is signed in, the header with the timer, and the pages.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::path;
use stint_api_types::auth::Me;

use crate::api;
use crate::pages::{
    admin::{Deliveries, Users},
    calendar::Calendar,
    integrations::Integrations,
    login::Login,
    settings::Settings,
    setup::Setup,
    sync_history::SyncHistory,
    time::Time,
};
use crate::session::{Session, use_session};
use crate::timer::{Timer, TimerChanged};

#[component]
pub fn App() -> impl IntoView {
    let session = Session::start();
    provide_context(session);
    spawn_local(async move {
        if let Ok(me) = api::get::<Me>("/api/me").await {
            session.user.set(Some(me));
        }
        session.checked.set(true);
    });

    // Only a change between signed in and out redraws the frame, not every update of the user.
    let signed_in = Memo::new(move |_| session.user.with(Option::is_some));

    view! {
        <Router>
            <a class="skip" href="#main">"Skip to content"</a>
            {move || {
                if !session.checked.get() {
                    view! { <p class="loading" aria-busy="true">"Loading…"</p> }.into_any()
                } else if !signed_in.get() {
                    view! { <main id="main"><Login/></main> }.into_any()
                } else {
                    view! { <SignedIn/> }.into_any()
                }
            }}
        </Router>
    }
}

#[component]
fn SignedIn() -> impl IntoView {
    let session = use_session();
    // The timer and the pages that list entries share this.
    provide_context(TimerChanged(RwSignal::new(0)));
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            // Whatever the answer, the page forgets the user; the API cleared the cookie or it
            // was no longer valid.
            let _ = api::send::<()>("DELETE", "/api/auth/session", None).await;
            session.user.set(None);
            navigate("/integrations", Default::default());
        });
    };
    let name = move || {
        session.user.with(|u| {
            u.as_ref()
                .map(|u| u.display_name.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <header class="top">
            <nav aria-label="Main">
                <span class="brand">"Stint"</span>
                <A href="/integrations">"Integrations"</A>
                <A href="/time">"Time"</A>
                <A href="/calendar">"Calendar"</A>
                {move || session.is_admin().then(|| view! {
                    <A href="/admin/users">"People"</A>
                    <A href="/admin/deliveries">"Deliveries"</A>
                })}
            </nav>
            <Timer/>
            <div class="who">
                <span>{name}</span>
                <button type="button" class="link" on:click=sign_out>"Sign out"</button>
            </div>
        </header>
        <main id="main">
            <Routes fallback=|| view! { <h1>"Page not found"</h1><p><A href="/integrations">"Go to your integrations"</A></p> }>
                <Route path=path!("/") view=|| view! { <Redirect path="/integrations"/> }/>
                <Route path=path!("/login") view=|| view! { <Redirect path="/integrations"/> }/>
                <Route path=path!("/integrations") view=Integrations/>
                <Route path=path!("/integrations/:provider/history") view=SyncHistory/>
                <Route path=path!("/integrations/:provider/settings") view=Settings/>
                <Route path=path!("/admin/providers/:provider") view=Setup/>
                <Route path=path!("/time") view=Time/>
                <Route path=path!("/calendar") view=Calendar/>
                <Route path=path!("/admin/users") view=Users/>
                <Route path=path!("/admin/deliveries") view=Deliveries/>
            </Routes>
        </main>
    }
}
