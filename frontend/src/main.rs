//! Stint's web app: a client-side Leptos app that talks to the Stint API with the wire types of
//! `stint-api-types`, signed in by an HttpOnly session cookie.

mod api;
mod app;
mod format;
mod notice;
mod pages;
mod session;
mod timer;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
