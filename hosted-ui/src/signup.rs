//! `/signup` and `/confirm`: sign-up with the pool's password policy, then a code that
//! stands in for the email, printed on the console (and written to the mailbox file)
//! and checked here, since moto accepts any code.

use std::io::Write as _;
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::AttributeType;
use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::HostedUi;
use crate::request::{AuthorizeRequest, Credentials, Refusal};
use crate::text;
use crate::ui::Ui;

/// Wrong confirmation codes a code survives; the next one voids it.
pub const CODE_ATTEMPTS: u32 = 5;

pub(crate) struct PendingCode {
    pub(crate) code: String,
    pub(crate) wrong: u32,
    /// When it was sent: when the map is full, the oldest codes make room.
    pub(crate) sent: std::time::Instant,
}

/// What a confirmation code entered is.
pub(crate) enum CodeCheck {
    Right,
    Wrong,
    /// Wrong once too often: the code is void.
    TooManyAttempts,
}

impl HostedUi {
    /// Sends a confirmation code to `email`: printed on the console, standing in for
    /// the email Cognito would send.
    pub(crate) fn send_code(&self, email: &str) {
        let code = format!("{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000);
        println!("hosted-ui: confirmation code for {email}: {code}");
        if let Some(path) = &self.mailbox
            && let Ok(mut file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
        {
            let _ = writeln!(file, "{email} {code}");
        }
        if let Ok(mut codes) = self.codes.lock() {
            let now = self.clock.now();
            let key = email.to_lowercase();
            if !codes.contains_key(&key) {
                // Cognito's codes last a day: one older than that may make room.
                crate::bounded::make_room(&mut codes, now, |c| {
                    c.sent + std::time::Duration::from_secs(24 * 60 * 60)
                });
            }
            codes.insert(
                key,
                PendingCode {
                    code,
                    wrong: 0,
                    sent: now,
                },
            );
        }
    }

    /// Checks a code; the [`CODE_ATTEMPTS`]th wrong one voids it.
    fn check_code(&self, email: &str, code: &str) -> CodeCheck {
        let Ok(mut codes) = self.codes.lock() else {
            return CodeCheck::Wrong;
        };
        let key = email.to_lowercase();
        let Some(pending) = codes.get_mut(&key) else {
            return CodeCheck::Wrong;
        };
        if pending.code == code.trim() {
            return CodeCheck::Right;
        }
        pending.wrong += 1;
        if pending.wrong >= CODE_ATTEMPTS {
            codes.remove(&key);
            return CodeCheck::TooManyAttempts;
        }
        CodeCheck::Wrong
    }
}

pub(crate) async fn signup_page(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    Query(request): Query<AuthorizeRequest>,
) -> Response {
    let page = Ui::new(&request, &headers);
    match ui.check(&request).await {
        Ok(_) => page.sign_up(&request, "", None),
        Err(rejected) => page.rejected(rejected, &request),
    }
}

pub(crate) async fn signup(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Response {
    let request = &form.request;
    let page = Ui::new(request, &headers);
    let t = text::texts(page.lang);
    let checked = match ui.check(request).await {
        Ok(checked) => checked,
        Err(rejected) => return page.rejected(rejected, request),
    };
    let email = form.email.trim();
    if !is_email(email) {
        return page.sign_up(request, email, Some(t.bad_email));
    }
    let attribute = AttributeType::builder().name("email").value(email).build();
    let result = match attribute {
        Ok(attribute) => {
            ui.moto
                .cognito
                .sign_up()
                .client_id(&checked.client_id)
                .username(email)
                .password(&form.password)
                .user_attributes(attribute)
                .send()
                .await
        }
        Err(_) => return page.sign_up(request, email, Some(t.bad_email)),
    };
    match result {
        Ok(_) => {
            ui.send_code(email);
            page.confirm(request, email, None)
        }
        Err(err) => {
            let service = err.as_service_error();
            if service.is_some_and(|e| e.is_username_exists_exception()) {
                page.sign_up(request, email, Some(t.user_exists))
            } else if service.is_some_and(|e| e.is_invalid_password_exception()) {
                page.sign_up(request, email, Some(t.bad_password))
            } else if service.is_some_and(|e| e.is_invalid_parameter_exception()) {
                page.sign_up(request, email, Some(t.bad_email))
            } else {
                tracing::error!(error = %aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(&err), "SignUp failed");
                page.refusal(Refusal::Unavailable, request)
            }
        }
    }
}

pub(crate) async fn confirm(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Response {
    let request = &form.request;
    let page = Ui::new(request, &headers);
    let t = text::texts(page.lang);
    if let Err(rejected) = ui.check(request).await {
        return page.rejected(rejected, request);
    }
    let email = form.email.trim();
    match ui.check_code(email, &form.code) {
        CodeCheck::Right => {}
        CodeCheck::Wrong => return page.confirm(request, email, Some(t.bad_code)),
        CodeCheck::TooManyAttempts => {
            ui.send_code(email);
            return page.confirm(request, email, Some(t.code_attempts));
        }
    }
    let confirmed = ui
        .moto
        .cognito
        .admin_confirm_sign_up()
        .user_pool_id(&ui.user_pool_id)
        .username(email)
        .send()
        .await;
    if let Err(err) = confirmed {
        tracing::error!(error = %aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(&err), "AdminConfirmSignUp failed");
        return page.refusal(Refusal::Unavailable, request);
    }
    if let Ok(mut codes) = ui.codes.lock() {
        codes.remove(&email.to_lowercase());
    }
    page.sign_in(request, email, Some(("info", t.confirmed)))
}

pub(crate) fn is_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !email.contains(char::is_whitespace)
        }
        None => false,
    }
}
