//! `GET /oauth2/authorize` (the sign-in page, or straight back to the app within the
//! hosted UI's session) and `POST /login` (the password checked with moto's
//! `InitiateAuth`, a session started, the tokens or a code sent back), with the lock
//! after wrong passwords.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;

use crate::HostedUi;
use crate::issue::Tokens;
use crate::request::{AuthorizeRequest, Credentials, Refusal};
use crate::text;
use crate::ui::Ui;

/// Wrong passwords in a row before the account is locked for a while.
pub const PASSWORD_ATTEMPTS: u32 = 5;
/// The longest lock after wrong passwords, as Cognito's.
pub const MAX_LOCK: Duration = Duration::from_secs(15 * 60);

/// Wrong passwords in a row for one account, the last of them, and until when it is
/// locked.
pub(crate) struct Failures {
    pub(crate) count: u32,
    pub(crate) last: Instant,
    pub(crate) locked_until: Option<Instant>,
}

impl Failures {
    /// When forgetting them changes nothing any more: the lock is over, and a lock as
    /// long as the longest would be too.
    fn expires(&self) -> Instant {
        (self.last + MAX_LOCK).max(self.locked_until.unwrap_or(self.last))
    }
}

impl HostedUi {
    /// Whether `email` is locked after wrong passwords.
    fn is_locked(&self, email: &str) -> bool {
        self.failures.lock().is_ok_and(|failures| {
            failures
                .get(&email.to_lowercase())
                .and_then(|f| f.locked_until)
                .is_some_and(|until| self.clock.now() < until)
        })
    }

    /// Counts a wrong password; from the [`PASSWORD_ATTEMPTS`]th in a row on, the
    /// account is locked for 1 s, doubling each time up to [`MAX_LOCK`].
    fn password_failed(&self, email: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            let now = self.clock.now();
            let key = email.to_lowercase();
            if !failures.contains_key(&key) {
                crate::bounded::make_room(&mut failures, now, Failures::expires);
            }
            let entry = failures.entry(key).or_insert(Failures {
                count: 0,
                last: now,
                locked_until: None,
            });
            entry.count += 1;
            entry.last = now;
            if entry.count >= PASSWORD_ATTEMPTS {
                let doublings = (entry.count - PASSWORD_ATTEMPTS).min(10);
                let lock = Duration::from_secs(1u64 << doublings).min(MAX_LOCK);
                entry.locked_until = Some(self.clock.now() + lock);
            }
        }
    }

    fn password_succeeded(&self, email: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&email.to_lowercase());
        }
    }
}

pub(crate) async fn authorize(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    Query(request): Query<AuthorizeRequest>,
) -> Response {
    let page = Ui::new(&request, &headers);
    let checked = match ui.check(&request).await {
        Ok(checked) => checked,
        Err(rejected) => return page.rejected(rejected, &request),
    };
    // Signed in here within the hour: back to the app without the password.
    if let Some(upstream) = ui.session(&headers, &checked.client_id) {
        match ui.refreshed(&checked.client_id, &upstream).await {
            Ok(Some(tokens)) => return ui.issue(&checked, request.state.as_deref(), tokens),
            Ok(None) => {}
            Err(()) => return page.refusal(Refusal::Unavailable, &request),
        }
    }
    page.sign_in(&request, "", None)
}

pub(crate) async fn login(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Response {
    let request = &form.request;
    let page = Ui::new(request, &headers);
    let t = text::texts(page.lang);
    let email = form.email.trim();
    // Before any I/O: a locked account learns nothing, and the lock's length is the
    // lock's, not the lock's minus a round trip to the pool.
    if ui.is_locked(email) {
        return page.sign_in(request, &form.email, Some(("error", t.password_attempts)));
    }
    let checked = match ui.check(request).await {
        Ok(checked) => checked,
        Err(rejected) => return page.rejected(rejected, request),
    };
    let result = ui
        .moto
        .cognito
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(&checked.client_id)
        .auth_parameters("USERNAME", form.email.trim())
        .auth_parameters("PASSWORD", &form.password)
        .send()
        .await;
    let tokens = match result {
        Ok(out) => out.authentication_result,
        Err(err) => {
            let service = err.as_service_error();
            if service.is_some_and(|e| e.is_user_not_confirmed_exception()) {
                ui.send_code(form.email.trim());
                return page.confirm(request, form.email.trim(), Some(t.not_confirmed));
            }
            if service
                .is_some_and(|e| e.is_not_authorized_exception() || e.is_user_not_found_exception())
            {
                ui.password_failed(email);
                return page.sign_in(request, &form.email, Some(("error", t.bad_credentials)));
            }
            tracing::error!(error = %aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(&err), "InitiateAuth failed");
            return page.refusal(Refusal::Unavailable, request);
        }
    };
    let Some(tokens) = Tokens::from_result(tokens, None) else {
        return page.refusal(Refusal::Unavailable, request);
    };
    ui.password_succeeded(email);
    let cookie = ui.start_session(&checked.client_id, &tokens.upstream_refresh);
    let mut response = ui.issue(&checked, request.state.as_deref(), tokens);
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}
