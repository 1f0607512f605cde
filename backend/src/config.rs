//! Configuration, read once from the environment at start.
//!
//! Every value is checked here, so a missing or malformed variable stops the process
//! before it serves anything, with a message that names the variable.

use std::net::SocketAddr;

use axum::http::HeaderValue;

pub use crate::store::Tables;

/// The `Handler` of the function that removes deleted posts' comments.
pub const CLEANUP_HANDLER: &str = "cleanup";

/// What the binary serves inside Lambda: the API's HTTP events, or the posts table's
/// stream (see [`crate::cleanup`]). Outside Lambda it is always the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    Api,
    Cleanup,
}

/// Everything the backend needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The DynamoDB tables: posts (`POSTS_TABLE`), display names and write quotas
    /// (`PEOPLE_TABLE`), comments and notices (`COMMENTS_TABLE`).
    pub tables: Tables,
    /// How many creates and edits one person may make (`WRITES_PER_MINUTE`,
    /// `WRITES_PER_DAY`).
    pub quota: Quota,
    pub auth: AuthConfig,
    /// Origins allowed by CORS (`ALLOWED_ORIGINS`); empty means same-origin only.
    pub allowed_origins: Vec<HeaderValue>,
    /// Whether reading posts works without a token (`PUBLIC_READ`).
    pub public_read: bool,
    /// Where the local server listens (`BIND_ADDR`); unused inside Lambda.
    pub bind_addr: SocketAddr,
    /// True inside AWS Lambda (`AWS_LAMBDA_RUNTIME_API` is set).
    pub in_lambda: bool,
    /// What this Lambda function does: its `Handler` setting (`_HANDLER`).
    pub handler: Handler,
    /// How to reach DynamoDB.
    pub aws: AwsAccess,
    /// The value CloudFront puts in `x-origin-verify` (`ORIGIN_SECRET`): when set,
    /// every request without it is refused, so the API answers only through the site
    /// (and its per-address limit). Unset locally.
    pub origin_secret: Option<OriginSecret>,
}

/// The secret CloudFront adds to each request it sends to the API.
#[derive(Clone, PartialEq, Eq)]
pub struct OriginSecret(String);

/// The shortest secret accepted: 128 bits in hex.
const MIN_ORIGIN_SECRET: usize = 32;

impl OriginSecret {
    /// `secret`, if it is long enough to be one: at least 32 ASCII characters.
    pub fn new(secret: &str) -> Option<Self> {
        (secret.len() >= MIN_ORIGIN_SECRET && secret.is_ascii()).then(|| Self(secret.to_owned()))
    }

    /// Whether `presented` is the secret, in time that does not depend on where they
    /// differ.
    pub fn matches(&self, presented: &[u8]) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(presented, self.0.as_bytes()).is_ok()
    }
}

/// Never in a log, not even through `{:?}`.
impl std::fmt::Debug for OriginSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OriginSecret(..)")
    }
}

/// Region, credentials and (locally) endpoint for DynamoDB, as Lambda sets them in the
/// function's environment: the SDK client is built from these alone, without
/// `aws-config`'s provider chain (profiles, SSO, instance metadata, STS), which a
/// Lambda function never needs and which made up a fifth of its package.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsAccess {
    /// `AWS_REGION`.
    pub region: String,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, for the temporary credentials
    /// of the function's role, `AWS_SESSION_TOKEN`.
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// `AWS_ENDPOINT_URL_DYNAMODB`: moto, locally.
    pub dynamodb_endpoint: Option<String>,
}

/// The secrets never reach a log, not even through `{:?}`.
impl std::fmt::Debug for AwsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsAccess")
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("dynamodb_endpoint", &self.dynamodb_endpoint)
            .finish()
    }
}

/// Creates and edits allowed per person (per `sub`), in fixed windows of a minute and
/// of a UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub per_minute: u32,
    pub per_day: u32,
}

impl Default for Quota {
    fn default() -> Self {
        Self {
            per_minute: 5,
            per_day: 100,
        }
    }
}

/// What the token verifier trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// The user pool's issuer, `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub issuer: String,
    /// The app client id: the `aud` of id tokens and the `client_id` of access tokens.
    pub client_id: String,
    /// Where the pool's signing keys are published.
    pub jwks_url: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var} is not set")]
    Missing { var: &'static str },
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

const DEFAULT_BIND_ADDR: &str = "127.0.0.1:3000";

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `get`, which returns a variable's value if set.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str| get(name).filter(|v| !v.trim().is_empty());
        let required = |name: &'static str| var(name).ok_or(ConfigError::Missing { var: name });
        let invalid = |var: &'static str, reason: &str| ConfigError::Invalid {
            var,
            reason: reason.to_owned(),
        };

        let in_lambda = var("AWS_LAMBDA_RUNTIME_API").is_some();
        let handler = match var("_HANDLER").as_deref() {
            Some(CLEANUP_HANDLER) if in_lambda => Handler::Cleanup,
            _ => Handler::Api,
        };

        let region = required("AWS_REGION")?;
        if !is_region(&region) {
            return Err(invalid(
                "AWS_REGION",
                "expected a region name such as eu-west-1",
            ));
        }

        let dynamodb_endpoint = var("AWS_ENDPOINT_URL_DYNAMODB");
        if let Some(endpoint) = &dynamodb_endpoint
            && !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
        {
            return Err(invalid(
                "AWS_ENDPOINT_URL_DYNAMODB",
                "expected an http or https URL",
            ));
        }
        let aws = AwsAccess {
            region: region.clone(),
            access_key_id: required("AWS_ACCESS_KEY_ID")?,
            secret_access_key: required("AWS_SECRET_ACCESS_KEY")?,
            session_token: var("AWS_SESSION_TOKEN"),
            dynamodb_endpoint,
        };

        let table = |name: &'static str| {
            let value = required(name)?;
            if !is_table_name(&value) {
                return Err(invalid(
                    name,
                    "a table name has 3 to 255 of the characters a-z A-Z 0-9 _ - .",
                ));
            }
            Ok(value)
        };
        let tables = Tables {
            posts: table("POSTS_TABLE")?,
            people: table("PEOPLE_TABLE")?,
            comments: table("COMMENTS_TABLE")?,
        };

        let limit = |name: &'static str, default: u32| match var(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| invalid(name, "expected a whole number from 1 up")),
        };
        let quota = Quota {
            per_minute: limit("WRITES_PER_MINUTE", Quota::default().per_minute)?,
            per_day: limit("WRITES_PER_DAY", Quota::default().per_day)?,
        };

        let issuer = required("COGNITO_ISSUER")?;
        if !issuer.starts_with("https://") || issuer.ends_with('/') {
            return Err(invalid(
                "COGNITO_ISSUER",
                "expected https://cognito-idp.<region>.amazonaws.com/<user pool id>, without a trailing slash",
            ));
        }
        let client_id = required("COGNITO_CLIENT_ID")?;
        if !client_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(invalid(
                "COGNITO_CLIENT_ID",
                "an app client id is letters and digits",
            ));
        }

        let cognito_jwks_url = format!("{issuer}/.well-known/jwks.json");
        let jwks_url = var("COGNITO_JWKS_URL").unwrap_or_else(|| cognito_jwks_url.clone());
        if !(jwks_url.starts_with("https://") || jwks_url.starts_with("http://")) {
            return Err(invalid("COGNITO_JWKS_URL", "expected an http or https URL"));
        }
        if in_lambda
            && !cfg!(feature = "local-keys-in-lambda")
            && !(is_cognito_issuer(&issuer) && jwks_url == cognito_jwks_url)
        {
            // The local stack's signing key is public: inside Lambda only Cognito's own
            // keys may be trusted, whatever the environment says.
            return Err(invalid(
                "COGNITO_JWKS_URL",
                "inside Lambda the keys must come from the Cognito user pool itself \
                 (https://cognito-idp.<region>.amazonaws.com/<user pool id>/.well-known/jwks.json)",
            ));
        }

        let allowed_origins = match var("ALLOWED_ORIGINS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|origin| {
                    parse_origin(origin).map_err(|reason| invalid("ALLOWED_ORIGINS", &reason))
                })
                .collect::<Result<_, _>>()?,
        };

        let public_read = match var("PUBLIC_READ").as_deref().map(str::trim) {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => return Err(invalid("PUBLIC_READ", "expected true or false")),
        };

        let origin_secret = match var("ORIGIN_SECRET") {
            None => None,
            Some(secret) => Some(OriginSecret::new(&secret).ok_or_else(|| {
                invalid(
                    "ORIGIN_SECRET",
                    "expected at least 32 ASCII characters (the deploy makes 64 hex digits)",
                )
            })?),
        };

        let bind_addr: SocketAddr = var("BIND_ADDR")
            .unwrap_or_else(|| DEFAULT_BIND_ADDR.to_owned())
            .parse()
            .map_err(|_| {
                invalid(
                    "BIND_ADDR",
                    "expected an address and port such as 127.0.0.1:3000",
                )
            })?;

        // moto's signing key is published in moto's own repository: a server that
        // trusts such keys must not be reachable from other machines, where anyone
        // could forge a token for it. Only Cognito's own keys make that safe.
        let trusts_cognito_only = is_cognito_issuer(&issuer) && jwks_url == cognito_jwks_url;
        if !in_lambda && !bind_addr.ip().is_loopback() && !trusts_cognito_only {
            return Err(invalid(
                "BIND_ADDR",
                &format!(
                    "{bind_addr} is reachable from other machines, and COGNITO_JWKS_URL \
                     ({jwks_url}) is not the Cognito user pool's own HTTPS key set: anyone on \
                     the network could sign tokens it accepts. Listen on 127.0.0.1, or use the \
                     pool's https://cognito-idp.<region>.amazonaws.com/<pool id> keys"
                ),
            ));
        }

        Ok(Self {
            tables,
            quota,
            auth: AuthConfig {
                issuer,
                client_id,
                jwks_url,
            },
            allowed_origins,
            public_read,
            bind_addr,
            in_lambda,
            handler,
            aws,
            origin_secret,
        })
    }
}

fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_table_name(s: &str) -> bool {
    (3..=255).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// True for `https://cognito-idp.<region>.amazonaws.com/<region>_<id>` and nothing else.
fn is_cognito_issuer(issuer: &str) -> bool {
    let Some(rest) = issuer.strip_prefix("https://cognito-idp.") else {
        return false;
    };
    let Some((region, pool)) = rest.split_once(".amazonaws.com/") else {
        return false;
    };
    let Some((pool_region, pool_suffix)) = pool.split_once('_') else {
        return false;
    };
    is_region(region)
        && pool_region == region
        && !pool_suffix.is_empty()
        && pool_suffix.chars().all(|c| c.is_ascii_alphanumeric())
}

/// An origin as browsers send it: `scheme://host[:port]`, nothing after.
fn parse_origin(origin: &str) -> Result<HeaderValue, String> {
    if origin == "*" {
        return Err("\"*\" is not allowed; list the site's origins".to_owned());
    }
    let bad = || format!("{origin:?} is not an origin like https://example.com");
    let (scheme, authority) = origin.split_once("://").ok_or_else(bad)?;
    if !matches!(scheme, "http" | "https")
        || authority.is_empty()
        || authority.contains(['/', '?', '#', '@', '*', ' '])
    {
        return Err(bad());
    }
    HeaderValue::from_str(origin).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123";

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut map: HashMap<String, String> = [
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret-example"),
            ("POSTS_TABLE", "posts"),
            ("PEOPLE_TABLE", "people"),
            ("COMMENTS_TABLE", "comments"),
            ("COGNITO_ISSUER", ISSUER),
            ("COGNITO_CLIENT_ID", "client123"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            map.insert(k.to_string(), v.to_string());
        }
        map
    }

    fn load(map: &HashMap<String, String>) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn minimal_environment_gets_defaults() {
        let config = load(&env(&[])).unwrap();
        assert_eq!(
            config.auth.jwks_url,
            format!("{ISSUER}/.well-known/jwks.json")
        );
        assert_eq!(config.bind_addr, "127.0.0.1:3000".parse().unwrap());
        assert!(!config.public_read);
        assert!(config.allowed_origins.is_empty());
        assert!(!config.in_lambda);
        assert_eq!(config.quota, Quota::default());
    }

    #[test]
    fn write_limits_are_read() {
        let config = load(&env(&[
            ("WRITES_PER_MINUTE", "3"),
            ("WRITES_PER_DAY", "40"),
        ]))
        .unwrap();
        assert_eq!(
            config.quota,
            Quota {
                per_minute: 3,
                per_day: 40
            }
        );
    }

    #[test]
    fn credentials_come_from_the_environment_and_never_show_in_debug_output() {
        let config = load(&env(&[
            ("AWS_SESSION_TOKEN", "session-example"),
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:5000"),
        ]))
        .unwrap();
        assert_eq!(
            config.aws,
            AwsAccess {
                region: "eu-west-1".into(),
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "secret-example".into(),
                session_token: Some("session-example".into()),
                dynamodb_endpoint: Some("http://127.0.0.1:5000".into()),
            }
        );
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("secret-example") && !shown.contains("session-example"),
            "{shown}"
        );
        assert!(load(&env(&[])).unwrap().aws.session_token.is_none());
    }

    #[test]
    fn an_origin_secret_is_read_hidden_from_logs_and_refused_when_short() {
        let secret = "f".repeat(64);
        let config = load(&env(&[("ORIGIN_SECRET", &secret)])).unwrap();
        assert!(
            config
                .origin_secret
                .as_ref()
                .unwrap()
                .matches(secret.as_bytes())
        );
        assert!(!format!("{config:?}").contains(&secret));
        assert!(load(&env(&[])).unwrap().origin_secret.is_none());
        match load(&env(&[("ORIGIN_SECRET", "short")])) {
            Err(ConfigError::Invalid { var, .. }) => assert_eq!(var, "ORIGIN_SECRET"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_missing_variable_is_named() {
        for var in [
            "AWS_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "POSTS_TABLE",
            "PEOPLE_TABLE",
            "COMMENTS_TABLE",
            "COGNITO_ISSUER",
            "COGNITO_CLIENT_ID",
        ] {
            let mut map = env(&[]);
            map.remove(var);
            assert_eq!(
                load(&map).unwrap_err(),
                ConfigError::Missing { var },
                "{var}"
            );
        }
    }

    #[test]
    fn malformed_values_are_named() {
        let cases = [
            ("POSTS_TABLE", "a"),
            ("PEOPLE_TABLE", "a b"),
            ("COMMENTS_TABLE", "x"),
            ("WRITES_PER_MINUTE", "0"),
            ("WRITES_PER_DAY", "many"),
            ("COGNITO_ISSUER", "http://issuer"),
            ("COGNITO_ISSUER", "https://issuer/"),
            ("COGNITO_CLIENT_ID", "abc/def"),
            ("COGNITO_JWKS_URL", "file:///etc/keys"),
            ("PUBLIC_READ", "yes"),
            ("BIND_ADDR", "localhost"),
            ("ALLOWED_ORIGINS", "*"),
            (
                "ALLOWED_ORIGINS",
                "https://a.example, https://b.example/path",
            ),
            ("ALLOWED_ORIGINS", "ftp://a.example"),
            ("AWS_ENDPOINT_URL_DYNAMODB", "localhost:5000"),
        ];
        for (var, value) in cases {
            match load(&env(&[(var, value)])) {
                Err(ConfigError::Invalid { var: named, .. }) => assert_eq!(named, var, "{value}"),
                other => panic!("{var}={value} gave {other:?}"),
            }
        }
    }

    #[test]
    fn origins_and_flags_are_parsed() {
        let config = load(&env(&[
            (
                "ALLOWED_ORIGINS",
                "https://board.example, http://localhost:8080",
            ),
            ("PUBLIC_READ", "true"),
            ("BIND_ADDR", "0.0.0.0:8000"),
        ]))
        .unwrap();
        assert_eq!(
            config.allowed_origins,
            vec![
                HeaderValue::from_static("https://board.example"),
                HeaderValue::from_static("http://localhost:8080")
            ]
        );
        assert!(config.public_read);
        assert_eq!(config.bind_addr.port(), 8000);
    }

    #[test]
    fn local_keys_and_a_non_loopback_address_are_refused_together() {
        let local_keys = [(
            "COGNITO_JWKS_URL",
            "http://127.0.0.1:5000/pool/.well-known/jwks.json",
        )];
        for addr in ["0.0.0.0:3000", "[::]:3000", "192.0.2.10:3000"] {
            let mut map = env(&local_keys);
            map.insert("BIND_ADDR".into(), addr.into());
            let err = load(&map).unwrap_err();
            let message = err.to_string();
            assert!(
                message.starts_with("BIND_ADDR is invalid") && message.contains("COGNITO_JWKS_URL"),
                "{message}"
            );
        }
        // Loopback with local keys is the local stack; any address with Cognito's own
        // keys is a real deployment.
        for addr in ["127.0.0.1:3000", "[::1]:3000"] {
            let mut map = env(&local_keys);
            map.insert("BIND_ADDR".into(), addr.into());
            assert!(load(&map).is_ok(), "{addr}");
        }
        let mut map = env(&[]);
        map.insert("BIND_ADDR".into(), "0.0.0.0:3000".into());
        assert!(load(&map).is_ok(), "Cognito's own keys on any address");
    }

    #[test]
    fn a_local_jwks_url_is_accepted_outside_lambda() {
        let url = "http://127.0.0.1:5000/eu-west-1_AbC123/.well-known/jwks.json";
        let config = load(&env(&[("COGNITO_JWKS_URL", url)])).unwrap();
        assert_eq!(config.auth.jwks_url, url);
    }

    #[test]
    fn the_cleanup_handler_is_chosen_only_inside_lambda() {
        let lambda = ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001");
        let cleanup = ("_HANDLER", CLEANUP_HANDLER);
        assert_eq!(
            load(&env(&[lambda, cleanup])).unwrap().handler,
            Handler::Cleanup
        );
        assert_eq!(
            load(&env(&[lambda, ("_HANDLER", "bootstrap")]))
                .unwrap()
                .handler,
            Handler::Api
        );
        assert_eq!(load(&env(&[cleanup])).unwrap().handler, Handler::Api);
    }

    #[test]
    #[cfg(not(feature = "local-keys-in-lambda"))]
    fn inside_lambda_only_cognitos_own_jwks_is_accepted() {
        let lambda = ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001");
        let config = load(&env(&[lambda])).unwrap();
        assert!(config.in_lambda);

        let same = format!("{ISSUER}/.well-known/jwks.json");
        assert!(load(&env(&[lambda, ("COGNITO_JWKS_URL", &same)])).is_ok());

        for url in [
            "http://127.0.0.1:5000/eu-west-1_AbC123/.well-known/jwks.json",
            "https://cognito-idp.eu-west-1.amazonaws.com.evil.example/eu-west-1_AbC123/.well-known/jwks.json",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other/.well-known/jwks.json",
        ] {
            let err = load(&env(&[lambda, ("COGNITO_JWKS_URL", url)])).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::Invalid {
                        var: "COGNITO_JWKS_URL",
                        ..
                    }
                ),
                "{url}"
            );
        }

        // A look-alike issuer cannot smuggle its own keys in through the default URL either.
        let err = load(&env(&[
            lambda,
            ("COGNITO_ISSUER", "https://cognito-idp.evil.example/x"),
        ]))
        .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                var: "COGNITO_JWKS_URL",
                ..
            }
        ));
    }

    #[test]
    fn cognito_issuers_are_recognised_exactly() {
        assert!(is_cognito_issuer(ISSUER));
        assert!(!is_cognito_issuer(
            "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC"
        ));
        assert!(!is_cognito_issuer(
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_A/b"
        ));
        assert!(!is_cognito_issuer(
            "http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_A"
        ));
    }
}
