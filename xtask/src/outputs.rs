//! A deployed stack's outputs, and the app's `config.json` made from them. Used by
//! `deploy` and by `bench` (which counts a deployment's config in the first load).

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Context, Result};

/// How the app signs in (`config.json`'s `"grant"`, the template's `Grant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Grant {
    /// The implicit grant: tokens in the URL fragment, as the tutorial.
    #[default]
    Implicit,
    /// Authorization code with PKCE, and a refresh token.
    Code,
}

impl Grant {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Implicit => "implicit",
            Self::Code => "code",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "implicit" => Some(Self::Implicit),
            "code" => Some(Self::Code),
            _ => None,
        }
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Outputs from `aws cloudformation describe-stacks` JSON (or a bare `Outputs` list).
pub fn parse(json: &str) -> Result<BTreeMap<String, String>> {
    let value: serde_json::Value =
        serde_json::from_str(json).context("the outputs are not JSON")?;
    from_value(&value)
}

/// The same, from JSON already parsed.
pub fn from_value(value: &serde_json::Value) -> Result<BTreeMap<String, String>> {
    let list = value
        .pointer("/Stacks/0/Outputs")
        .or_else(|| value.get("Outputs"))
        .unwrap_or(value)
        .as_array()
        .context("expected describe-stacks JSON with Stacks[0].Outputs")?;
    Ok(list
        .iter()
        .filter_map(|o| {
            Some((
                o.get("OutputKey")?.as_str()?.to_owned(),
                o.get("OutputValue")?.as_str()?.to_owned(),
            ))
        })
        .collect())
}

/// The app's runtime configuration for a deployed stack: the API through the site's own
/// origin (`/api`), the hosted UI, the site as the place to come back to, and the
/// stack's grant (implicit for a stack from before there was a choice). The nonce
/// check is never relaxed here: Cognito always puts the nonce in the id token.
pub fn config_json(outputs: &BTreeMap<String, String>) -> Result<String> {
    let get = |key: &str| {
        outputs
            .get(key)
            .cloned()
            .with_context(|| format!("the stack has no output {key}"))
    };
    let site = get("SiteUrl")?;
    let config = serde_json::json!({
        "api_base": "/api",
        "auth_domain": get("AuthDomain")?,
        "client_id": get("UserPoolClientId")?,
        "redirect_uri": site,
        "logout_uri": site,
        "scopes": ["openid", "email", "profile"],
        "grant": outputs
            .get("Grant")
            .map_or(Grant::Implicit.as_str(), String::as_str),
    });
    Ok(serde_json::to_string_pretty(&config)? + "\n")
}
