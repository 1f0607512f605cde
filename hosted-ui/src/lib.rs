//! An imitation of the Amazon Cognito hosted UI for the OAuth2 implicit grant, so the
//! whole board runs locally: moto serves the user-pool API but not the hosted UI.
//!
//! It does what the hosted UI does for this app, on top of moto's API:
//! - `GET /oauth2/authorize` checks `client_id` and `redirect_uri` against the pool's
//!   app client as Cognito does. A bad client or redirect gets an error page and never a
//!   redirect (no open redirect); a bad `response_type` or scope goes back to the app as
//!   `#error=...`. Otherwise it shows sign-in.
//! - `POST /login` checks the password with moto's `InitiateAuth` and sends the browser
//!   back to `redirect_uri#id_token=..&access_token=..&expires_in=..&token_type=Bearer&state=..`.
//! - `/signup` and `/confirm`: sign-up with the pool's password policy, then a code that
//!   stands in for the email: printed on the console (and written to the mailbox file),
//!   and checked here, since moto accepts any code.
//! - `GET /logout` redirects only to a registered logout URI.
//!
//! Hardened as Cognito is: no page may be framed (`frame-ancestors 'none'`,
//! `X-Frame-Options: DENY`); five wrong confirmation codes void the code (a new one is
//! sent); five wrong passwords in a row lock the account for a second, doubling with
//! each further failure up to 15 minutes; and only requests addressed to a loopback
//! name are answered (no DNS rebinding).

mod html;
mod text;

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, OAuthFlowType};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use devstack::Moto;
use serde::Deserialize;

pub use text::Lang;

/// Wrong confirmation codes a code survives; the next one voids it.
pub const CODE_ATTEMPTS: u32 = 5;
/// Wrong passwords in a row before the account is locked for a while.
pub const PASSWORD_ATTEMPTS: u32 = 5;
/// The longest lock after wrong passwords, as Cognito's.
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);

/// The imitation's state: the pool it fronts, the codes it has "emailed", and the
/// wrong passwords it has seen, all keyed by lower-cased email.
pub struct HostedUi {
    moto: Moto,
    user_pool_id: String,
    codes: Mutex<HashMap<String, PendingCode>>,
    failures: Mutex<HashMap<String, Failures>>,
    mailbox: Option<PathBuf>,
}

struct PendingCode {
    code: String,
    wrong: u32,
}

/// Wrong passwords in a row for one account, and until when it is locked.
#[derive(Default)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
}

/// What a confirmation code entered is.
enum CodeCheck {
    Right,
    Wrong,
    /// Wrong once too often: the code is void.
    TooManyAttempts,
}

impl HostedUi {
    /// Fronts `user_pool_id` in `moto`. Confirmation codes are printed, and also
    /// appended to `mailbox` (one `email code` line each) if given, for tests.
    pub fn new(moto: Moto, user_pool_id: String, mailbox: Option<PathBuf>) -> Self {
        Self {
            moto,
            user_pool_id,
            codes: Mutex::default(),
            failures: Mutex::default(),
            mailbox,
        }
    }
}

pub fn router(state: Arc<HostedUi>) -> Router {
    Router::new()
        .route("/oauth2/authorize", get(authorize))
        .route("/login", get(authorize).post(login))
        .route("/signup", get(signup_page).post(signup))
        .route("/confirm", axum::routing::post(confirm))
        .route("/logout", get(logout))
        .with_state(state)
        .layer(axum::middleware::map_response(no_framing))
        .layer(axum::middleware::from_fn(
            backend::host::require_loopback_host_plain,
        ))
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

/// The authorize request, carried through every form as hidden fields.
#[derive(Debug, Clone, Default, Deserialize)]
struct AuthorizeRequest {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    lang: Option<String>,
}

impl AuthorizeRequest {
    fn hidden(&self) -> String {
        let fields: Vec<(&str, &str)> = [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("lang", &self.lang),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
        .collect();
        html::hidden(&fields)
    }

    /// This request's query string, optionally in another language.
    fn query(&self, lang: Option<Lang>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
        ] {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        match (lang, &self.lang) {
            (Some(lang), _) => query.append_pair("lang", lang.tag()),
            (None, Some(lang)) => query.append_pair("lang", lang),
            (None, None) => &mut query,
        };
        query.finish()
    }
}

/// Form posts: the authorize request plus what the person typed.
#[derive(Debug, Deserialize)]
struct Credentials {
    #[serde(flatten)]
    request: AuthorizeRequest,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// Why a request cannot go back to the app: shown as a page, never redirected.
enum Refusal {
    InvalidClient,
    RedirectMismatch,
    Unavailable,
}

/// Why an authorize request cannot proceed.
enum Rejected {
    /// Back to the (registered) redirect URI with an OAuth error in the fragment.
    Back(String),
    /// Shown here: the request names no registered app or return address.
    Refused(Refusal),
}

/// A checked request: the app to return to.
struct Checked {
    client_id: String,
    redirect_uri: String,
}

struct Ui {
    lang: Lang,
}

impl Ui {
    fn new(request: &AuthorizeRequest, headers: &HeaderMap) -> Self {
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Self {
            lang: text::choose(request.lang.as_deref(), accept),
        }
    }

    fn page(
        &self,
        status: StatusCode,
        title: &str,
        body: &str,
        request: &AuthorizeRequest,
        path: &str,
    ) -> Response {
        let switch = format!("{path}?{}", request.query(Some(self.lang.other())));
        (status, Html(html::page(self.lang, title, body, &switch))).into_response()
    }

    fn refusal(&self, refusal: Refusal, request: &AuthorizeRequest) -> Response {
        let t = text::texts(self.lang);
        let (status, text) = match refusal {
            Refusal::InvalidClient => (StatusCode::BAD_REQUEST, t.invalid_client),
            Refusal::RedirectMismatch => (StatusCode::BAD_REQUEST, t.redirect_mismatch),
            Refusal::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, t.unavailable),
        };
        self.page(
            status,
            t.error_title,
            &html::message("error", text),
            request,
            "/oauth2/authorize",
        )
    }

    fn rejected(&self, rejected: Rejected, request: &AuthorizeRequest) -> Response {
        match rejected {
            Rejected::Back(url) => Redirect::to(&url).into_response(),
            Rejected::Refused(refusal) => self.refusal(refusal, request),
        }
    }

    fn sign_in(
        &self,
        request: &AuthorizeRequest,
        email: &str,
        notice: Option<(&str, &str)>,
    ) -> Response {
        let t = text::texts(self.lang);
        let mut body = notice
            .map(|(kind, text)| html::message(kind, text))
            .unwrap_or_default();
        body.push_str(&html::sign_in_form(
            t,
            &request.hidden(),
            email,
            &format!("/signup?{}", request.query(None)),
        ));
        let status = if matches!(notice, Some(("error", _))) {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        self.page(status, t.sign_in_title, &body, request, "/oauth2/authorize")
    }

    fn sign_up(&self, request: &AuthorizeRequest, email: &str, error: Option<&str>) -> Response {
        let t = text::texts(self.lang);
        let mut body = error
            .map(|text| html::message("error", text))
            .unwrap_or_default();
        body.push_str(&html::sign_up_form(
            t,
            &request.hidden(),
            email,
            &format!("/oauth2/authorize?{}", request.query(None)),
        ));
        let status = if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        self.page(status, t.sign_up_title, &body, request, "/signup")
    }

    fn confirm(&self, request: &AuthorizeRequest, email: &str, error: Option<&str>) -> Response {
        let t = text::texts(self.lang);
        let mut body = match error {
            Some(text) => html::message("error", text),
            None => html::message("info", &t.code_sent.replace("{email}", email)),
        };
        body.push_str(&html::confirm_form(t, &request.hidden(), email));
        let status = if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        self.page(status, t.confirm_title, &body, request, "/oauth2/authorize")
    }
}

impl HostedUi {
    /// Checks the request as Cognito does.
    async fn check(&self, request: &AuthorizeRequest) -> Result<Checked, Rejected> {
        let client_id = request
            .client_id
            .clone()
            .ok_or(Rejected::Refused(Refusal::InvalidClient))?;
        let described = self
            .moto
            .cognito
            .describe_user_pool_client()
            .user_pool_id(&self.user_pool_id)
            .client_id(&client_id)
            .send()
            .await;
        let client = match described {
            Ok(out) => out
                .user_pool_client
                .ok_or(Rejected::Refused(Refusal::InvalidClient))?,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                return Err(Rejected::Refused(Refusal::InvalidClient));
            }
            Err(err) => {
                tracing::error!(error = %aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(&err), "DescribeUserPoolClient failed");
                return Err(Rejected::Refused(Refusal::Unavailable));
            }
        };
        let redirect_uri = request
            .redirect_uri
            .clone()
            .ok_or(Rejected::Refused(Refusal::RedirectMismatch))?;
        if !client.callback_urls().contains(&redirect_uri) {
            return Err(Rejected::Refused(Refusal::RedirectMismatch));
        }
        // From here on the redirect URI is trusted: errors go back to the app.
        let back = |error: &str| {
            Err(Rejected::Back(error_redirect(
                &redirect_uri,
                error,
                request.state.as_deref(),
            )))
        };
        if request.response_type.as_deref() != Some("token") {
            return back("unsupported_response_type");
        }
        if !client
            .allowed_o_auth_flows()
            .contains(&OAuthFlowType::Implicit)
            || client.allowed_o_auth_flows_user_pool_client() != Some(true)
        {
            return back("unauthorized_client");
        }
        let allowed = client.allowed_o_auth_scopes();
        if let Some(scope) = &request.scope
            && !scope
                .split_whitespace()
                .all(|s| allowed.iter().any(|a| a == s))
        {
            return back("invalid_scope");
        }
        Ok(Checked {
            client_id,
            redirect_uri,
        })
    }

    /// Sends a confirmation code to `email`: printed on the console, standing in for
    /// the email Cognito would send.
    fn send_code(&self, email: &str) {
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
            codes.insert(email.to_lowercase(), PendingCode { code, wrong: 0 });
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

    /// Whether `email` is locked after wrong passwords.
    fn is_locked(&self, email: &str) -> bool {
        self.failures.lock().is_ok_and(|failures| {
            failures
                .get(&email.to_lowercase())
                .and_then(|f| f.locked_until)
                .is_some_and(|until| Instant::now() < until)
        })
    }

    /// Counts a wrong password; from the [`PASSWORD_ATTEMPTS`]th in a row on, the
    /// account is locked for 1 s, doubling each time up to [`MAX_LOCK`].
    fn password_failed(&self, email: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            let entry = failures.entry(email.to_lowercase()).or_default();
            entry.count += 1;
            if entry.count >= PASSWORD_ATTEMPTS {
                let doublings = (entry.count - PASSWORD_ATTEMPTS).min(10);
                let lock = Duration::from_secs(1u64 << doublings).min(MAX_LOCK);
                entry.locked_until = Some(Instant::now() + lock);
            }
        }
    }

    fn password_succeeded(&self, email: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&email.to_lowercase());
        }
    }
}

fn error_redirect(redirect_uri: &str, error: &str, state: Option<&str>) -> String {
    let mut fragment = form_urlencoded::Serializer::new(String::new());
    fragment.append_pair("error", error);
    if let Some(state) = state {
        fragment.append_pair("state", state);
    }
    format!("{redirect_uri}#{}", fragment.finish())
}

async fn authorize(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    Query(request): Query<AuthorizeRequest>,
) -> Response {
    let page = Ui::new(&request, &headers);
    match ui.check(&request).await {
        Ok(_) => page.sign_in(&request, "", None),
        Err(rejected) => page.rejected(rejected, &request),
    }
}

async fn login(
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
    if ui.is_locked(email) {
        return page.sign_in(request, &form.email, Some(("error", t.password_attempts)));
    }
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
    let Some((id_token, access_token, expires_in)) =
        tokens.and_then(|t| Some((t.id_token?, t.access_token?, t.expires_in)))
    else {
        return page.refusal(Refusal::Unavailable, request);
    };
    ui.password_succeeded(email);
    let mut fragment = form_urlencoded::Serializer::new(String::new());
    fragment
        .append_pair("id_token", &id_token)
        .append_pair("access_token", &access_token)
        .append_pair("expires_in", &expires_in.to_string())
        .append_pair("token_type", "Bearer");
    if let Some(state) = &request.state {
        fragment.append_pair("state", state);
    }
    Redirect::to(&format!("{}#{}", checked.redirect_uri, fragment.finish())).into_response()
}

async fn signup_page(
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

async fn signup(
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

async fn confirm(
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

#[derive(Debug, Deserialize)]
struct LogoutRequest {
    client_id: Option<String>,
    logout_uri: Option<String>,
    lang: Option<String>,
}

async fn logout(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    Query(query): Query<LogoutRequest>,
) -> Response {
    let request = AuthorizeRequest {
        client_id: query.client_id.clone(),
        lang: query.lang,
        ..Default::default()
    };
    let page = Ui::new(&request, &headers);
    let Some(client_id) = query.client_id else {
        return page.refusal(Refusal::InvalidClient, &request);
    };
    let described = ui
        .moto
        .cognito
        .describe_user_pool_client()
        .user_pool_id(&ui.user_pool_id)
        .client_id(&client_id)
        .send()
        .await;
    let Some(client) = described.ok().and_then(|out| out.user_pool_client) else {
        return page.refusal(Refusal::InvalidClient, &request);
    };
    match query.logout_uri {
        Some(uri) if client.logout_urls().contains(&uri) => Redirect::to(&uri).into_response(),
        _ => {
            let t = text::texts(page.lang);
            page.page(
                StatusCode::BAD_REQUEST,
                t.error_title,
                &html::message("error", t.logout_mismatch),
                &request,
                "/logout",
            )
        }
    }
}

fn is_email(email: &str) -> bool {
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
