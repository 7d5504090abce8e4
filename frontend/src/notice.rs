//! Notices: one line that says what just happened or what went wrong, in words.

use leptos::prelude::*;

#[derive(Clone, PartialEq)]
pub enum Notice {
    Done(String),
    Failed(String),
}

/// Shows a notice, if any; screen readers hear it as it appears.
#[component]
pub fn NoticeLine(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    move || {
        notice.get().map(|n| match n {
            Notice::Done(text) => {
                view! { <p class="notice ok" role="status">{text}</p> }.into_any()
            }
            Notice::Failed(text) => {
                view! { <p class="notice error" role="alert">{text}</p> }.into_any()
            }
        })
    }
}
