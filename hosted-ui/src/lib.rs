//! An imitation of the Amazon Cognito hosted UI, for the implicit grant and for the
//! authorization-code grant with PKCE, so the whole board runs locally: moto serves
//! the user-pool API but not the hosted UI.
//!
//! It does what the hosted UI does for this app, on top of moto's API, one module per
//! endpoint (`request` checks what every one of them is asked):
//! - `GET /oauth2/authorize` (`login`) checks `client_id` and `redirect_uri` against the
//!   pool's app client as Cognito does. A bad client or redirect gets an error page and
//!   never a redirect (no open redirect); a bad `response_type`, scope or PKCE challenge
//!   goes back to the app as an OAuth error. Within an hour of a password sign-in
//!   (`session`, a cookie) it returns straight to the app; otherwise it shows sign-in.
//! - `POST /login` checks the password with moto's `InitiateAuth` and sends the browser
//!   back (`issue`) with `#id_token=..` (implicit) or `?code=..` (code grant).
//! - `POST /oauth2/token` (`token`) redeems a code with its PKCE verifier, or a refresh
//!   token; `POST /oauth2/revoke` (`revoke`) ends a refresh token.
//! - `/signup` and `/confirm`: sign-up with the pool's password policy, then a code that
//!   stands in for the email: printed on the console (and written to the mailbox file),
//!   and checked here, since moto accepts any code.
//! - `GET /logout` ends the hosted UI's session and redirects only to a registered
//!   logout URI.
//!
//! moto's id tokens carry no `nonce`; given moto's signing key (`nonce`), the imitation
//! signs them again with the request's nonce in them, so the local app requires the
//! nonce as a deployed one does.
//!
//! Hardened as Cognito is: no page may be framed (`frame-ancestors 'none'`,
//! `X-Frame-Options: DENY`); five wrong confirmation codes void the code (a new one is
//! sent); five wrong passwords in a row lock the account for a second, doubling with
//! each further failure up to 15 minutes; and only requests addressed to a loopback
//! name are answered (no DNS rebinding).

mod bounded;
mod html;
mod issue;
mod login;
mod logout;
mod nonce;
mod request;
mod revoke;
mod session;
mod signup;
mod text;
mod token;
mod ui;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clock::Clock;
use devstack::LocalAws;

pub use bounded::MAX_ENTRIES;
pub use issue::{CODE_LIFETIME, REFRESH_GRACE, REFRESH_LIFETIME};
pub use login::{MAX_LOCK, PASSWORD_ATTEMPTS};
pub use nonce::Signer;
pub use session::LIFETIME as SESSION_LIFETIME;
pub use signup::CODE_ATTEMPTS;
pub use text::Lang;

/// The imitation's state: the pool it fronts, the confirmation codes it has "emailed"
/// and the wrong passwords it has seen (both keyed by lower-cased email), its sign-in
/// sessions, and the authorization codes and refresh tokens it has given apps.
pub struct HostedUi {
    moto: LocalAws,
    user_pool_id: String,
    codes: Mutex<HashMap<String, signup::PendingCode>>,
    failures: Mutex<HashMap<String, login::Failures>>,
    mailbox: Option<PathBuf>,
    sessions: Mutex<HashMap<String, session::Session>>,
    grants: Mutex<issue::Grants>,
    /// What the locks, sessions and codes measure time by (tests move a manual one).
    clock: Clock,
    /// Puts the request's `nonce` into id tokens, as Cognito does (see [`nonce`]).
    signer: Option<Signer>,
}

impl HostedUi {
    /// Fronts `user_pool_id` in `moto`. Confirmation codes are printed, and also
    /// appended to `mailbox` (one `email code` line each) if given, for tests.
    pub fn new(moto: LocalAws, user_pool_id: String, mailbox: Option<PathBuf>) -> Self {
        Self {
            moto,
            user_pool_id,
            codes: Mutex::default(),
            failures: Mutex::default(),
            mailbox,
            sessions: Mutex::default(),
            grants: Mutex::default(),
            clock: Clock::system(),
            signer: None,
        }
    }

    /// Puts the authorize request's `nonce` into every id token it gives, signed by
    /// `signer` (moto's own key), as Cognito does.
    #[must_use]
    pub fn with_nonce_signer(mut self, signer: Signer) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Reads time from `clock` instead of the system's.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

pub fn router(state: Arc<HostedUi>) -> Router {
    Router::new()
        .route("/oauth2/authorize", get(login::authorize))
        .route("/login", get(login::authorize).post(login::login))
        .route("/signup", get(signup::signup_page).post(signup::signup))
        .route("/confirm", post(signup::confirm))
        .route("/logout", get(logout::logout))
        .route("/oauth2/token", post(token::token))
        .route("/oauth2/revoke", post(revoke::revoke))
        .with_state(state)
        .layer(axum::middleware::map_response(no_framing))
        .layer(axum::middleware::from_fn(loopback_only))
}

/// A request for another name than loopback is a plain 400: no DNS rebinding.
async fn loopback_only(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if loopback::addressed_to_loopback(request.headers()) {
        return next.run(request).await;
    }
    (axum::http::StatusCode::BAD_REQUEST, loopback::REFUSAL).into_response()
}

/// No page of the sign-in may be shown inside another site's frame (clickjacking).
async fn no_framing(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
