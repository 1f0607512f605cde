//! A deployed stack's outputs, and the app's `config.json` made from them. Used by
//! `deploy` and by `bench` (which counts a deployment's config in the first load).

use std::collections::BTreeMap;

use anyhow::{Context, Result};

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
/// origin (`/api`), the hosted UI, and the site as the place to come back to.
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
    });
    Ok(serde_json::to_string_pretty(&config)? + "\n")
}
