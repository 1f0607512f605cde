//! The app's runtime configuration, fetched from `/config.json` at start so that one
//! build serves every stage (local, and each AWS deployment).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeConfig {
    /// Where the API is, e.g. `/api` (same origin) or `https://api.example.com`.
    pub api_base: String,
    /// The Cognito hosted UI, e.g. `https://board.auth.eu-west-1.amazoncognito.com`.
    pub auth_domain: String,
    pub client_id: String,
    /// Where the hosted UI sends the browser back after sign-in.
    pub redirect_uri: String,
    /// Where the hosted UI sends the browser after sign-out.
    pub logout_uri: String,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// How the app signs in: the implicit grant (the default) or the authorization
    /// code with PKCE.
    #[serde(default)]
    pub grant: Grant,
    /// Whether the id token must carry the `nonce` this tab sent. Cognito always puts
    /// it there; only the local stack's config says `false`, since moto's tokens
    /// cannot carry one.
    #[serde(default = "yes")]
    pub require_nonce: bool,
}

/// The OAuth 2.0 grant the app signs in with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grant {
    /// Tokens in the URL fragment, no refresh: the original tutorial's way.
    #[default]
    Implicit,
    /// Authorization code with PKCE, exchanged at the token endpoint; a refresh token
    /// renews the session (RFC 9700's recommendation).
    Code,
}

fn yes() -> bool {
    true
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(String::from).to_vec()
}

impl RuntimeConfig {
    /// Parses and checks `config.json`; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: Self =
            crate::json::from_str(text).map_err(|e| format!("config.json is not valid: {e}"))?;
        for (name, value) in [
            ("api_base", &config.api_base),
            ("auth_domain", &config.auth_domain),
            ("client_id", &config.client_id),
            ("redirect_uri", &config.redirect_uri),
            ("logout_uri", &config.logout_uri),
        ] {
            if value.trim().is_empty() {
                return Err(format!("config.json: \"{name}\" is empty"));
            }
        }
        for (name, url) in [
            ("auth_domain", &config.auth_domain),
            ("redirect_uri", &config.redirect_uri),
            ("logout_uri", &config.logout_uri),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(format!("config.json: \"{name}\" must be an http(s) URL"));
            }
        }
        Ok(config)
    }

    /// The hosted UI's endpoint at `path`, e.g. `/oauth2/token`.
    pub fn auth_url(&self, path: &str) -> String {
        format!("{}{path}", self.auth_domain.trim_end_matches('/'))
    }

    /// The URL of an API path such as `/posts`.
    pub fn api_url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"api_base":"/api","auth_domain":"http://127.0.0.1:9000","client_id":"c",
        "redirect_uri":"http://127.0.0.1:8080/","logout_uri":"http://127.0.0.1:8080/"}"#;

    #[test]
    fn a_complete_config_parses_with_default_scopes_grant_and_nonce_check() {
        let config = RuntimeConfig::parse(GOOD).unwrap();
        assert_eq!(config.scopes, ["openid", "email", "profile"]);
        assert_eq!(config.api_url("/posts"), "/api/posts");
        assert_eq!(
            config.auth_url("/oauth2/token"),
            "http://127.0.0.1:9000/oauth2/token"
        );
        assert_eq!(config.grant, Grant::Implicit);
        assert!(config.require_nonce);
    }

    #[test]
    fn the_grant_and_a_relaxed_nonce_check_are_read() {
        let code = GOOD.replace('}', r#","grant":"code","require_nonce":false}"#);
        let config = RuntimeConfig::parse(&code).unwrap();
        assert_eq!(config.grant, Grant::Code);
        assert!(!config.require_nonce);
        let unknown = GOOD.replace('}', r#","grant":"password"}"#);
        assert!(
            RuntimeConfig::parse(&unknown)
                .unwrap_err()
                .contains("unknown variant `password`, expected `implicit` or `code`")
        );
    }

    #[test]
    fn problems_are_named() {
        assert!(
            RuntimeConfig::parse("<html>")
                .unwrap_err()
                .contains("not valid")
        );
        let empty = GOOD.replace(r#""client_id":"c""#, r#""client_id":"""#);
        assert_eq!(
            RuntimeConfig::parse(&empty).unwrap_err(),
            "config.json: \"client_id\" is empty"
        );
        let missing = GOOD.replace(r#""client_id":"c","#, "");
        assert!(
            RuntimeConfig::parse(&missing)
                .unwrap_err()
                .contains("client_id")
        );
        let relative = GOOD.replace("http://127.0.0.1:9000", "auth.example");
        assert!(
            RuntimeConfig::parse(&relative)
                .unwrap_err()
                .contains("auth_domain")
        );
    }
}
