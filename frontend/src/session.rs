//! Who is signed in. The session itself is an HttpOnly cookie the page cannot read; the page only
//! knows the user `GET /api/me` returned, and forgets it when the API says 401.

use std::cell::Cell;

use leptos::prelude::*;
use stint_api_types::auth::{Me, Role};

#[derive(Clone, Copy)]
pub struct Session {
    pub user: RwSignal<Option<Me>>,
    /// False until the first `GET /api/me` answered.
    pub checked: RwSignal<bool>,
}

thread_local! {
    static CURRENT: Cell<Option<Session>> = const { Cell::new(None) };
}

impl Session {
    pub fn start() -> Session {
        let session = Session {
            user: RwSignal::new(None),
            checked: RwSignal::new(false),
        };
        CURRENT.with(|c| c.set(Some(session)));
        session
    }

    pub fn is_admin(&self) -> bool {
        self.user
            .with(|u| u.as_ref().is_some_and(|u| u.role == Role::Admin))
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The API refused the cookie: the session ended (signed out elsewhere, expired, password changed).
pub fn expired() {
    if let Some(session) = CURRENT.with(Cell::get)
        && session.user.with_untracked(Option::is_some)
    {
        session.user.set(None);
    }
}
