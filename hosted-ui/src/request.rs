//! What every endpoint is asked: the authorize request, carried through each form, and
//! its check against the pool's app client as Cognito makes it.

use aws_sdk_cognitoidentityprovider::types::OAuthFlowType;
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
    pub(crate) lang: Option<String>,
}

impl AuthorizeRequest {
    pub(crate) fn hidden(&self) -> String {
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
    pub(crate) fn query(&self, lang: Option<Lang>) -> String {
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

/// A checked request: the app to return to.
pub(crate) struct Checked {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
}

impl HostedUi {
    /// Checks the request as Cognito does.
    pub(crate) async fn check(&self, request: &AuthorizeRequest) -> Result<Checked, Rejected> {
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
}

pub(crate) fn error_redirect(redirect_uri: &str, error: &str, state: Option<&str>) -> String {
    let mut fragment = form_urlencoded::Serializer::new(String::new());
    fragment.append_pair("error", error);
    if let Some(state) = state {
        fragment.append_pair("state", state);
    }
    format!("{redirect_uri}#{}", fragment.finish())
}
