//! What the whole app shares: who is signed in, the language, and banners.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use shared::Profile;

use crate::api::{Api, ApiError};
use crate::auth::{self, PendingSignIn, Session, SignInError};
use crate::browser;
use crate::config::RuntimeConfig;
use crate::i18n::{self, Lang, Texts};

/// A banner above the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    SignInFailed(SignInError),
    SessionExpired,
}

/// An unsent post, kept across a sign-in round trip. It belongs to the person who
/// wrote it: kept under their `sub`, offered to nobody else who signs in in this tab
/// (a shared computer), and dropped when they sign out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// The page the draft belongs to (`/write` or `/posts/7/edit`).
    pub path: String,
    pub title: String,
    pub contents: String,
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub session: RwSignal<Option<Session>>,
    pub lang: RwSignal<Lang>,
    pub notice: RwSignal<Option<Notice>>,
    /// The signed-in person as the board knows them (`GET /me`): their display
    /// name and role. `None` while it loads, or while nobody is signed in.
    pub profile: RwSignal<Option<Result<Profile, ApiError>>>,
}

impl AppState {
    /// State as the page opens: the sign-in that just completed (or failed), else
    /// the session kept in this tab; the language remembered, else the browser's.
    pub fn new(callback: Option<Result<Session, SignInError>>) -> Self {
        let (session, notice) = match callback {
            Some(Ok(session)) => (Some(session), None),
            Some(Err(error)) => (None, Some(Notice::SignInFailed(error))),
            None => (browser::load::<Session>(browser::SESSION_KEY), None),
        };
        let lang = browser::load_local(browser::LANG_KEY)
            .and_then(|tag| Lang::from_tag(&tag))
            .unwrap_or_else(|| Lang::preferred(browser::languages().iter().map(String::as_str)));
        browser::set_document_lang(lang.tag());
        Self {
            session: RwSignal::new(session),
            lang: RwSignal::new(lang),
            notice: RwSignal::new(notice),
            profile: RwSignal::new(None),
        }
    }

    /// Loads the signed-in person's profile into [`profile`](Self::profile), or
    /// clears it when nobody is signed in.
    pub fn load_profile(&self, config: &RuntimeConfig) {
        let app = *self;
        app.profile.set(None);
        let Some(token) = app.token() else { return };
        let config = config.clone();
        leptos::task::spawn_local(async move {
            let result = Api::new(&config, Some(&token)).me().await;
            if result == Err(ApiError::Unauthorized) {
                app.expire();
                return;
            }
            // A sign-out (or another sign-in) meanwhile makes this answer stale.
            let current = app
                .session
                .with_untracked(|s| s.as_ref().is_some_and(|s| s.id_token == token));
            if current {
                app.profile.set(Some(result));
            }
        });
    }

    /// Whether the signed-in person moderates the board.
    pub fn is_moderator(&self) -> bool {
        self.profile
            .with(|p| matches!(p, Some(Ok(profile)) if profile.moderator))
    }

    /// The interface's strings in the current language (reactive).
    pub fn t(&self) -> &'static Texts {
        i18n::texts(self.lang.get())
    }

    pub fn set_lang(&self, lang: Lang) {
        self.lang.set(lang);
        browser::save_local(browser::LANG_KEY, lang.tag());
        browser::set_document_lang(lang.tag());
    }

    /// The id token to call the API with, if the session is still good. An expired
    /// session ends here, and the person is asked to sign in again.
    pub fn token(&self) -> Option<String> {
        self.valid_token(None)
    }

    /// Like [`token`](Self::token), but an expired session keeps `draft` to restore
    /// after the next sign-in.
    pub fn token_keeping(&self, draft: &Draft) -> Option<String> {
        self.valid_token(Some(draft))
    }

    fn valid_token(&self, draft: Option<&Draft>) -> Option<String> {
        let session = self.session.get_untracked()?;
        if session.is_expired(browser::now()) {
            if let Some(draft) = draft {
                browser::save(&draft_key(&session.sub), draft);
            }
            self.expire();
            return None;
        }
        Some(session.id_token)
    }

    /// Ends a session the API no longer accepts.
    pub fn expire(&self) {
        browser::remove(browser::SESSION_KEY);
        self.session.set(None);
        self.notice.set(Some(Notice::SessionExpired));
    }

    /// Ends the session, keeping `draft` to restore after the next sign-in.
    pub fn expire_keeping(&self, draft: &Draft) {
        if let Some(session) = self.session.get_untracked() {
            browser::save(&draft_key(&session.sub), draft);
        }
        self.expire();
    }

    /// Sends the browser to the hosted UI, to come back to the current page.
    pub fn sign_in(&self, config: &RuntimeConfig) {
        let (Some(state), Some(nonce)) = (browser::random_hex(), browser::random_hex()) else {
            return;
        };
        let pending = PendingSignIn {
            state,
            nonce,
            return_to: browser::current_path(),
        };
        browser::save(browser::PENDING_KEY, &pending);
        browser::go_to(&auth::authorize_url(config, &pending.state, &pending.nonce));
    }

    /// Forgets the session here and at the hosted UI.
    pub fn sign_out(&self, config: &RuntimeConfig) {
        if let Some(session) = self.session.get_untracked() {
            browser::remove(&draft_key(&session.sub));
        }
        browser::remove(browser::SESSION_KEY);
        self.session.set(None);
        self.profile.set(None);
        browser::go_to(&auth::logout_url(config));
    }
}

/// Where the draft of the person `sub` is kept.
fn draft_key(sub: &str) -> String {
    format!("{}.{sub}", browser::DRAFT_KEY)
}

/// The draft the signed-in person `sub` kept for `path`, if any; it is handed over
/// once. Someone else's draft stays where it is, unseen.
pub fn take_draft(sub: &str, path: &str) -> Option<Draft> {
    let key = draft_key(sub);
    let draft: Draft = browser::load(&key)?;
    if draft.path != path {
        return None;
    }
    browser::remove(&key);
    Some(draft)
}

pub fn use_app() -> AppState {
    expect_context::<AppState>()
}

pub fn use_config() -> RuntimeConfig {
    expect_context::<RuntimeConfig>()
}
