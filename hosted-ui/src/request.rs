//! What every endpoint is asked: the authorize request, carried through each form, and
//! its check against the pool's app client as Cognito makes it.

use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, UserPoolClientType};
use serde::Deserialize;

use crate::text::Lang;
use crate::{HostedUi, html};

/// The authorize request, carried through every form as hidden fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AuthorizeRequest {
    pub(crate) response_type: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) code_challenge_method: Option<String>,
    pub(crate) lang: Option<String>,
}

impl AuthorizeRequest {
    /// The OAuth parameters as sent, in a fixed order (without `lang`).
    fn parameters(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
    }

    pub(crate) fn hidden(&self) -> String {
        let mut fields: Vec<(&str, &str)> = self.parameters().collect();
        if let Some(lang) = &self.lang {
            fields.push(("lang", lang));
        }
        html::hidden(&fields)
    }

    /// This request's query string, optionally in another language.
    pub(crate) fn query(&self, lang: Option<Lang>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(self.parameters());
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
pub(crate) struct Credentials {
    #[serde(flatten)]
    pub(crate) request: AuthorizeRequest,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) code: String,
}

/// Why a request cannot go back to the app: shown as a page, never redirected.
pub(crate) enum Refusal {
    InvalidClient,
    RedirectMismatch,
    Unavailable,
}

/// Why an authorize request cannot proceed.
pub(crate) enum Rejected {
    /// Back to the (registered) redirect URI with an OAuth error in the fragment.
    Back(String),
    /// Shown here: the request names no registered app or return address.
    Refused(Refusal),
}

/// What the app asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseType {
    /// `token`: the implicit grant, tokens in the fragment.
    Token,
    /// `code`: the authorization-code grant, a code in the query.
    Code,
}

/// A checked request: the app to return to, and how.
pub(crate) struct Checked {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) response_type: ResponseType,
    /// The PKCE `code_challenge` (S256) a code must be redeemed with.
    pub(crate) code_challenge: Option<String>,
    /// The `nonce` the id token must carry.
    pub(crate) nonce: Option<String>,
}

/// moto could not be asked.
pub(crate) struct Unavailable;

impl HostedUi {
    /// The pool's app client `client_id`; `None` when there is no such client.
    pub(crate) async fn describe_client(
        &self,
        client_id: &str,
    ) -> Result<Option<UserPoolClientType>, Unavailable> {
        let described = self
            .moto
            .cognito
            .describe_user_pool_client()
            .user_pool_id(&self.user_pool_id)
            .client_id(client_id)
            .send()
            .await;
        match described {
            Ok(out) => Ok(out.user_pool_client),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(err) => {
                tracing::error!(error = %aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(&err), "DescribeUserPoolClient failed");
                Err(Unavailable)
            }
        }
    }

    /// Checks the request as Cognito does.
    pub(crate) async fn check(&self, request: &AuthorizeRequest) -> Result<Checked, Rejected> {
        let client_id = request
            .client_id
            .clone()
            .ok_or(Rejected::Refused(Refusal::InvalidClient))?;
        let client = match self.describe_client(&client_id).await {
            Ok(Some(client)) => client,
            Ok(None) => return Err(Rejected::Refused(Refusal::InvalidClient)),
            Err(Unavailable) => return Err(Rejected::Refused(Refusal::Unavailable)),
        };
        let redirect_uri = request
            .redirect_uri
            .clone()
            .ok_or(Rejected::Refused(Refusal::RedirectMismatch))?;
        if !client.callback_urls().contains(&redirect_uri) {
            return Err(Rejected::Refused(Refusal::RedirectMismatch));
        }
        // From here on the redirect URI is trusted: errors go back to the app, in the
        // fragment for the implicit grant and in the query for the code grant.
        let (response_type, flow) = match request.response_type.as_deref() {
            Some("token") => (ResponseType::Token, OAuthFlowType::Implicit),
            Some("code") => (ResponseType::Code, OAuthFlowType::Code),
            _ => {
                return Err(Rejected::Back(error_redirect(
                    &redirect_uri,
                    ResponseType::Token,
                    "unsupported_response_type",
                    request.state.as_deref(),
                )));
            }
        };
        let back = |error: &str| {
            Err(Rejected::Back(error_redirect(
                &redirect_uri,
                response_type,
                error,
                request.state.as_deref(),
            )))
        };
        if !client.allowed_o_auth_flows().contains(&flow)
            || client.allowed_o_auth_flows_user_pool_client() != Some(true)
        {
            return back("unauthorized_client");
        }
        // Cognito knows only S256; a challenge is 43 characters of base64url (32 bytes).
        let code_challenge = match (
            response_type,
            request.code_challenge.as_deref(),
            request.code_challenge_method.as_deref(),
        ) {
            (_, None, None) => None,
            (ResponseType::Code, Some(challenge), Some("S256")) if is_challenge(challenge) => {
                Some(challenge.to_owned())
            }
            _ => return back("invalid_request"),
        };
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
            response_type,
            code_challenge,
            nonce: request.nonce.clone(),
        })
    }
}

/// Where an error goes back to the app: `#error=` for the implicit grant, `?error=`
/// for the code grant (RFC 6749 §4.2.2.1 and §4.1.2.1).
pub(crate) fn error_redirect(
    redirect_uri: &str,
    response_type: ResponseType,
    error: &str,
    state: Option<&str>,
) -> String {
    let mut pairs = vec![("error", error)];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    back_to(redirect_uri, response_type, &pairs)
}

/// `redirect_uri` with `pairs` in its fragment (implicit grant) or query (code grant).
pub(crate) fn back_to(
    redirect_uri: &str,
    response_type: ResponseType,
    pairs: &[(&str, &str)],
) -> String {
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    match response_type {
        ResponseType::Token => format!("{redirect_uri}#{encoded}"),
        ResponseType::Code if redirect_uri.contains('?') => format!("{redirect_uri}&{encoded}"),
        ResponseType::Code => format!("{redirect_uri}?{encoded}"),
    }
}

/// Whether `challenge` can be a PKCE S256 challenge: base64url of 32 bytes.
fn is_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
