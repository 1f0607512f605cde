//! What the whole app shares: who is signed in, the language, and banners.

use std::future::Future;

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use shared::{PostPage, Profile};

use crate::api::{Api, ApiError};
use crate::auth::{self, NonceCheck, PendingSignIn, Returned, Session, SignInError};
use crate::browser;
use crate::config::{Grant, RuntimeConfig};
use crate::i18n::{self, Lang, Texts};
use crate::oauth::{self, TokenError};
use crate::start;

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
    /// A sign-in that came back and is being finished (the code exchanged).
    pub signing_in: RwSignal<bool>,
    returned: StoredValue<Option<Returned>>,
    /// The first page of posts, asked for as soon as the config is read.
    first_page: StoredValue<Option<FirstPage>, LocalStorage>,
    /// The renewal under way, if one is: calls refused meanwhile wait for it.
    renewal: StoredValue<Option<Renewal>, LocalStorage>,
}

/// A renewal of the tokens, shared by every call that needs one while it runs.
type Renewal = Shared<LocalBoxFuture<'static, Renewed>>;

/// A request for the first page of posts, shared by whoever awaits it.
pub type FirstPage = Shared<LocalBoxFuture<'static, Result<PostPage, ApiError>>>;

/// What renewing the tokens came to.
#[derive(Clone)]
enum Renewed {
    /// A fresh id token.
    Token(String),
    /// The session cannot be renewed (implicit grant, or the refresh token refused):
    /// it has ended.
    Ended,
    /// The hosted UI could not be reached: the session is kept for another try.
    Unreachable,
}

impl AppState {
    /// State as the page opens: a sign-in that just came back (finished by
    /// [`finish_sign_in`](Self::finish_sign_in) once the config is read) or failed,
    /// else the session kept in this tab; the language remembered, else the browser's.
    pub fn new(callback: Option<Result<Returned, SignInError>>) -> Self {
        let (session, notice, returned) = match callback {
            Some(Ok(returned)) => (None, None, Some(returned)),
            Some(Err(error)) => (None, Some(Notice::SignInFailed(error)), None),
            None => (browser::load::<Session>(browser::SESSION_KEY), None, None),
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
            signing_in: RwSignal::new(returned.is_some()),
            returned: StoredValue::new(returned),
            first_page: StoredValue::new_local(None),
            renewal: StoredValue::new_local(None),
        }
    }

    /// Asks for the first page of posts right away when a signed-in reader opens the
    /// list, at the same time as their profile rather than after it; the list takes
    /// it with [`take_first_page`](Self::take_first_page).
    pub fn prefetch_first_page(&self, config: &RuntimeConfig) {
        if self.session.with_untracked(Option::is_none) || browser::current_path() != "/" {
            return;
        }
        let (app, config) = (*self, config.clone());
        let early = self.early_answer("firstPage");
        let request = async move {
            // start.js may have asked already, with this very session; a refused or
            // failed answer is asked again here, renewing the token if need be.
            if let Some(page) = start::parsed(early).await {
                return Ok(page);
            }
            app.call(&config, None, |api| async move { api.list(None).await })
                .await
        }
        .boxed_local()
        .shared();
        self.first_page.set_value(Some(request.clone()));
        leptos::task::spawn_local(async move {
            let _ = request.await;
        });
    }

    /// What start.js asked for as `name` with the session this app holds, if it did.
    fn early_answer(
        &self,
        name: &str,
    ) -> Option<impl Future<Output = Option<gloo_net::http::Response>> + use<>> {
        self.session
            .with_untracked(|s| s.as_ref().and_then(|s| start::answer(name, &s.id_token)))
    }

    /// The first page asked for at start, once.
    pub fn take_first_page(&self) -> Option<FirstPage> {
        self.first_page.try_update_value(Option::take).flatten()
    }

    /// Makes the session from the sign-in that came back: the id token in hand
    /// (implicit), or the code exchanged at the token endpoint (code grant).
    pub fn finish_sign_in(&self, config: &RuntimeConfig) {
        let Some(returned) = self.returned.try_update_value(Option::take).flatten() else {
            return;
        };
        let app = *self;
        match returned {
            Returned::Tokens {
                id_token,
                expires_in,
                nonce,
                ..
            } => {
                let check = NonceCheck::new(config, &nonce);
                app.signed_in(
                    config,
                    auth::session_from_tokens(id_token, expires_in, None, check, browser::now()),
                );
            }
            Returned::Code {
                code,
                verifier,
                nonce,
                ..
            } => {
                let config = config.clone();
                leptos::task::spawn_local(async move {
                    let session = match oauth::exchange_code(&config, &code, &verifier).await {
                        Ok(tokens) => auth::session_from_tokens(
                            tokens.id_token,
                            tokens.expires_in,
                            tokens.refresh_token,
                            NonceCheck::new(&config, &nonce),
                            browser::now(),
                        ),
                        Err(_) => Err(SignInError::Exchange),
                    };
                    app.signed_in(&config, session);
                });
            }
        }
    }

    fn signed_in(&self, config: &RuntimeConfig, session: Result<Session, SignInError>) {
        match session {
            Ok(session) => {
                // Someone signed in again in this tab (the same person, or another):
                // the refresh token of the session kept before must not outlive it.
                let before = browser::load::<Session>(browser::SESSION_KEY);
                revoke_refresh(
                    config,
                    before.and_then(|b| b.replaced_refresh_token(&session)),
                );
                self.set_session(session)
            }
            Err(error) => self.notice.set(Some(Notice::SignInFailed(error))),
        }
        self.signing_in.set(false);
    }

    fn set_session(&self, session: Session) {
        browser::save(browser::SESSION_KEY, &session);
        self.session.set(Some(session));
    }

    /// Loads the signed-in person's profile into [`profile`](Self::profile), or
    /// clears it when nobody is signed in.
    pub fn load_profile(&self, config: &RuntimeConfig) {
        let app = *self;
        app.profile.set(None);
        let Some(sub) = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.sub.clone()))
        else {
            return;
        };
        let config = config.clone();
        let early = app.early_answer("me");
        leptos::task::spawn_local(async move {
            let result = match start::parsed(early).await {
                Some(profile) => Ok(profile),
                None => {
                    app.call(&config, None, |api| async move { api.me().await })
                        .await
                }
            };
            if result == Err(ApiError::Unauthorized) {
                return;
            }
            // A sign-out (or another person's sign-in) meanwhile makes this answer stale.
            let current = app
                .session
                .with_untracked(|s| s.as_ref().is_some_and(|s| s.sub == sub));
            if current {
                app.profile.set(Some(result));
            }
        });
    }

    /// Whether the signed-in person is the author whose id is `author` (reactive: it
    /// becomes true once their profile, which carries their id, has loaded).
    pub fn is_mine(&self, author: Option<&str>) -> bool {
        self.profile
            .with(|p| matches!(p, Some(Ok(profile)) if Some(profile.id.as_str()) == author))
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

    /// Calls the API as the signed-in person (or as a visitor, when nobody is).
    ///
    /// The token goes out fresh: one about to expire is renewed first with the refresh
    /// token (code grant). A 401 for a token this tab thought good (revoked, a clock
    /// that is off) renews once and tries again. When the session cannot be renewed it
    /// ends here, keeping `draft` for the next sign-in, and the call answers
    /// [`ApiError::Unauthorized`]; the banner then asks the person to sign in again.
    /// Nothing the person is typing is touched meanwhile.
    pub async fn call<T, F, Fut>(
        &self,
        config: &RuntimeConfig,
        draft: Option<&Draft>,
        request: F,
    ) -> Result<T, ApiError>
    where
        F: Fn(Api) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        // The part that depends on the call is only sending it: what to send and what
        // to do after a 401 is the same code for every call (compiled once, not once
        // per call site).
        let mut token = self.token_to_send(config, draft).await?;
        let mut retried = false;
        loop {
            let result = request(Api::new(config, token.clone())).await;
            let refused = matches!(result, Err(ApiError::Unauthorized));
            match self
                .after_refusal(config, draft, token.as_deref(), refused, retried)
                .await?
            {
                Some(renewed) => {
                    token = Some(renewed);
                    retried = true;
                }
                None => return result,
            }
        }
    }

    /// The token a call sends: the session's, renewed first if it has expired; none
    /// for a visitor.
    async fn token_to_send(
        &self,
        config: &RuntimeConfig,
        draft: Option<&Draft>,
    ) -> Result<Option<String>, ApiError> {
        Ok(match self.session.get_untracked() {
            None => None,
            Some(session) if !session.is_expired(browser::now()) => Some(session.id_token),
            Some(_) => Some(self.renewed(config, draft).await?),
        })
    }

    /// After an answer to a call that sent `sent`: the token to send it again with
    /// (once, after a 401 for a token this tab thought good), or `None` when the
    /// answer stands. A second 401 ends the session.
    async fn after_refusal(
        &self,
        config: &RuntimeConfig,
        draft: Option<&Draft>,
        sent: Option<&str>,
        refused: bool,
        retried: bool,
    ) -> Result<Option<String>, ApiError> {
        let Some(sent) = sent.filter(|_| refused) else {
            return Ok(None);
        };
        if retried {
            self.end_session(config, draft);
            return Ok(None);
        }
        // Renewed by another call since this one was sent: no second renewal.
        let current = self
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.id_token.clone()));
        Ok(Some(match current {
            Some(current) if current != sent => current,
            _ => self.renewed(config, draft).await?,
        }))
    }

    /// A renewed id token, or the reason there is none (the session then ended,
    /// keeping `draft`).
    async fn renewed(
        &self,
        config: &RuntimeConfig,
        draft: Option<&Draft>,
    ) -> Result<String, ApiError> {
        match self.renew(config).await {
            Renewed::Token(token) => Ok(token),
            Renewed::Unreachable => Err(ApiError::Network),
            Renewed::Ended => {
                self.end_session(config, draft);
                Err(ApiError::Unauthorized)
            }
        }
    }

    /// Renews the tokens once however many calls ask at the same time (start.js's
    /// profile and first page, both refused after a key rotation): one refresh-token
    /// grant, not one per call.
    async fn renew(&self, config: &RuntimeConfig) -> Renewed {
        if let Some(under_way) = self.renewal.get_value() {
            return under_way.await;
        }
        let (app, config) = (*self, config.clone());
        let renewal = async move { app.renew_now(&config).await }
            .boxed_local()
            .shared();
        self.renewal.set_value(Some(renewal.clone()));
        let renewed = renewal.await;
        self.renewal.set_value(None);
        renewed
    }

    async fn renew_now(&self, config: &RuntimeConfig) -> Renewed {
        let Some(session) = self.session.get_untracked() else {
            return Renewed::Ended;
        };
        let Some(refresh_token) = &session.refresh_token else {
            return Renewed::Ended;
        };
        match oauth::refresh(config, refresh_token).await {
            Ok(tokens) => match auth::refreshed_session(&session, tokens, browser::now()) {
                Ok(renewed) => {
                    let token = renewed.id_token.clone();
                    // Only if the same person is still signed in here.
                    if self
                        .session
                        .with_untracked(|s| s.as_ref().is_some_and(|s| s.sub == renewed.sub))
                    {
                        self.set_session(renewed);
                    }
                    Renewed::Token(token)
                }
                Err(_) => Renewed::Ended,
            },
            Err(TokenError::Refused) => Renewed::Ended,
            Err(TokenError::Unreachable) => Renewed::Unreachable,
        }
    }

    /// Ends a session that can no longer be used, keeping `draft` to restore after
    /// the next sign-in, and says so in the banner. Its refresh token, if the API
    /// refused tokens it still renewed, is revoked: nothing here will use it again.
    fn end_session(&self, config: &RuntimeConfig, draft: Option<&Draft>) {
        if let Some(session) = self.session.get_untracked() {
            if let Some(draft) = draft {
                browser::save(&draft_key(&session.sub), draft);
            }
            revoke_refresh(config, session.refresh_token);
        }
        self.expire();
    }

    /// Ends a session the API no longer accepts.
    pub fn expire(&self) {
        browser::remove(browser::SESSION_KEY);
        self.session.set(None);
        self.notice.set(Some(Notice::SessionExpired));
    }

    /// Sends the browser to the hosted UI, to come back to the current page.
    pub fn sign_in(&self, config: &RuntimeConfig) {
        let (Some(state), Some(nonce)) = (browser::random_hex(), browser::random_hex()) else {
            return;
        };
        let verifier = match config.grant {
            Grant::Implicit => None,
            Grant::Code => match browser::random_verifier() {
                Some(verifier) => Some(verifier),
                None => return,
            },
        };
        let pending = PendingSignIn {
            state,
            nonce,
            return_to: browser::current_path(),
            verifier,
        };
        browser::save(browser::PENDING_KEY, &pending);
        browser::go_to(&auth::authorize_url(config, &pending));
    }

    /// Forgets the session here, revokes its refresh token (code grant), and ends the
    /// hosted UI's session too.
    pub fn sign_out(&self, config: &RuntimeConfig) {
        let session = self.session.get_untracked();
        if let Some(session) = &session {
            browser::remove(&draft_key(&session.sub));
        }
        browser::remove(browser::SESSION_KEY);
        self.session.set(None);
        self.profile.set(None);
        let logout = auth::logout_url(config);
        revoke_then(config, session.and_then(|s| s.refresh_token), Some(logout));
    }
}

/// Revokes `refresh_token` (code grant) in the background; nothing to do without one.
fn revoke_refresh(config: &RuntimeConfig, refresh_token: Option<String>) {
    revoke_then(config, refresh_token, None);
}

/// Revokes `refresh_token` if there is one, then goes to `next` if given: one task for
/// every revocation the app makes.
fn revoke_then(config: &RuntimeConfig, refresh_token: Option<String>, next: Option<String>) {
    let config = config.clone();
    leptos::task::spawn_local(async move {
        if let Some(token) = refresh_token {
            oauth::revoke(&config, &token).await;
        }
        if let Some(next) = next {
            browser::go_to(&next);
        }
    });
}

/// Where the draft of the person `sub` is kept.
fn draft_key(sub: &str) -> String {
    format!("{}.{sub}", browser::DRAFT_KEY)
}

/// The page of the draft `sub` kept, if any, leaving the draft where it is.
pub fn kept_draft_path(sub: &str) -> Option<String> {
    browser::load::<Draft>(&draft_key(sub)).map(|draft| draft.path)
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
