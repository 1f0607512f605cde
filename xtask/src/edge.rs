//! A local stand-in for the board's CloudFront distribution: `xtask/edge.mjs` (Node)
//! serving the release build in `dist/`, configured here from `infra/template.yaml`
//! itself: the response-headers policy (the CSP with this build's start-up script
//! hash and the local hosted UI and API in place of the deployed ones), the cache
//! behaviours with their CloudFront Functions' code and compression. The browser
//! tests run through it, so a CSP that would stop the app, a function that mishandles
//! a deep link or a wrong `/api` prefix fails a test before a deploy.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::json;
use serde_yaml::Value;

use crate::outputs::Grant;
use crate::process::{ChildGuard, wait_for_port};

/// Where the local parts stand in for the deployed ones.
pub struct Local<'a> {
    pub dist: &'a Path,
    /// Served at `/config.json` in place of the deployed one.
    pub config_json: &'a Path,
    /// The backend's local server, for `/api/*`.
    pub api_url: &'a str,
    /// The hosted-UI imitation.
    pub auth_url: &'a str,
    /// The grant the app's config names (the template's `Grant`).
    pub grant: Grant,
    /// The template's `OriginSecret` here: the stand-in sends it to the backend as
    /// CloudFront does, and the backend requires it.
    pub origin_secret: &'a str,
}

/// A running stand-in; dropping it stops it.
pub struct Edge {
    child: ChildGuard,
}

impl Edge {
    /// Whether the stand-in stopped, and how.
    pub fn try_wait(&mut self) -> Result<Option<std::process::ExitStatus>> {
        Ok(self.child.0.try_wait()?)
    }
}

/// Placeholders the template's `!Sub` strings are evaluated with, then swapped for
/// the local origins.
const PLACEHOLDER: &str = "edge-local";

/// `infra/template.yaml`, parsed.
pub fn template(root: &Path) -> Result<Value> {
    Ok(serde_yaml::from_str(
        &std::fs::read_to_string(root.join("infra/template.yaml"))
            .context("reading infra/template.yaml")?,
    )?)
}

/// The start-up script hash of the build in `dist`.
pub fn script_hash(dist: &Path) -> Result<String> {
    let html = std::fs::read_to_string(dist.join("index.html"))
        .with_context(|| format!("{}/index.html: build the app first", dist.display()))?;
    crate::app::inline_script_hash(&html)
}

pub fn start(root: &Path, local: &Local<'_>, port: u16, quiet: bool) -> Result<Edge> {
    let config = config(&template(root)?, &script_hash(local.dist)?, None, local)?;
    let dir = root.join("target/edge");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("edge.json");
    std::fs::write(&path, serde_json::to_string_pretty(&config)?)?;

    let mut node = Command::new("node");
    node.current_dir(root)
        .arg(root.join("xtask/edge.mjs"))
        .arg(&path)
        .arg(port.to_string());
    if quiet {
        node.stdout(Stdio::null());
    }
    let child = ChildGuard(
        node.spawn()
            .context("starting node (run `cargo xtask setup`)")?,
    );
    wait_for_port(port, Duration::from_secs(60), "the CloudFront stand-in")?;
    Ok(Edge { child })
}

/// The stand-in's configuration from the template, for the build whose start-up script
/// hashes to `script_hash` (with `previous`, the live release's, still allowed during a
/// switch, as the deploy sets `PreviousAppScriptHash`).
pub fn config(
    template: &Value,
    script_hash: &str,
    previous: Option<&str>,
    local: &Local<'_>,
) -> Result<serde_json::Value> {
    let resources = &template["Resources"];
    let policy = &resources["SecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
    let params = BTreeMap::from([
        ("AppScriptHash", script_hash.to_owned()),
        (
            "PreviousAppScriptHash",
            previous.unwrap_or_default().to_owned(),
        ),
        ("AuthDomainPrefix", PLACEHOLDER.to_owned()),
        ("HttpApi", PLACEHOLDER.to_owned()),
        ("AWS::Region", PLACEHOLDER.to_owned()),
        ("OriginSecret", local.origin_secret.to_owned()),
    ]);
    let conditions = BTreeMap::from([
        ("HasAppScriptHash", true),
        ("HasPreviousAppScriptHash", previous.is_some()),
        ("IsCodeGrant", local.grant == Grant::Code),
    ]);
    let eval = Eval {
        params: &params,
        conditions: &conditions,
    };

    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let csp = eval
        .value(&policy["ContentSecurityPolicy"]["ContentSecurityPolicy"])?
        .replace(
            &format!("https://{PLACEHOLDER}.auth.{PLACEHOLDER}.amazoncognito.com"),
            local.auth_url.trim_end_matches('/'),
        );
    if csp.contains(PLACEHOLDER) {
        bail!("the CSP names a deployed origin the stand-in cannot place: {csp}");
    }
    headers.insert("content-security-policy".to_owned(), csp);
    let hsts = &policy["StrictTransportSecurity"];
    if !hsts.is_null() {
        let mut value = format!(
            "max-age={}",
            hsts["AccessControlMaxAgeSec"]
                .as_u64()
                .context("HSTS max age")?
        );
        if hsts["IncludeSubdomains"] == true {
            value.push_str("; includeSubDomains");
        }
        if hsts["Preload"] == true {
            value.push_str("; preload");
        }
        headers.insert("strict-transport-security".to_owned(), value);
    }
    if !policy["ContentTypeOptions"].is_null() {
        headers.insert("x-content-type-options".to_owned(), "nosniff".to_owned());
    }
    if let Some(frame) = policy["FrameOptions"]["FrameOption"].as_str() {
        headers.insert("x-frame-options".to_owned(), frame.to_owned());
    }
    if let Some(referrer) = policy["ReferrerPolicy"]["ReferrerPolicy"].as_str() {
        headers.insert("referrer-policy".to_owned(), referrer.to_owned());
    }
    let custom = &resources["SecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["CustomHeadersConfig"]
        ["Items"];
    for item in custom.as_sequence().into_iter().flatten() {
        let (Some(name), Some(value)) = (item["Header"].as_str(), item["Value"].as_str()) else {
            bail!("a custom header without a name or value");
        };
        headers.insert(name.to_lowercase(), value.to_owned());
    }

    let distribution = &resources["Distribution"]["Properties"]["DistributionConfig"];
    let origins = distribution["Origins"]
        .as_sequence()
        .context("the distribution has no origins")?;
    let behaviour = |b: &Value| -> Result<serde_json::Value> {
        let target = b["TargetOriginId"]
            .as_str()
            .context("a behaviour's origin")?;
        let origin = origins
            .iter()
            .find(|o| o["Id"] == target)
            .with_context(|| format!("no origin {target}"))?;
        let kind = if origin["S3OriginConfig"].is_mapping() {
            "site"
        } else {
            "api"
        };
        // What CloudFront adds to each request to this origin, replacing the viewer's.
        let origin_headers = origin["OriginCustomHeaders"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|h| {
                let name = h["HeaderName"]
                    .as_str()
                    .context("an origin header's name")?;
                Ok((name.to_lowercase(), eval.value(&h["HeaderValue"])?))
            })
            .collect::<Result<BTreeMap<String, String>>>()?;
        let function = match b["FunctionAssociations"].as_sequence() {
            None => None,
            Some(list) => {
                let association = list
                    .iter()
                    .find(|a| a["EventType"] == "viewer-request")
                    .context("only viewer-request functions are stood in for")?;
                let Value::Tagged(arn) = &association["FunctionARN"] else {
                    bail!("a function ARN that is not !GetAtt");
                };
                let name = arn.value.as_str().unwrap_or_default();
                let logical = name.split('.').next().unwrap_or_default();
                Some(
                    resources[logical]["Properties"]["FunctionCode"]
                        .as_str()
                        .with_context(|| format!("no code for {logical}"))?
                        .to_owned(),
                )
            }
        };
        Ok(json!({
            "pattern": b["PathPattern"].as_str(),
            "origin": kind,
            "function": function,
            "compress": b["Compress"] == true,
            "originHeaders": origin_headers,
            // The site's answers are cached as the behaviour's cache policy says; the
            // API's policy caches nothing the backend sends (`no-store`, TTLs from 0).
            "ttl": if kind == "site" { Some(cache_ttls(resources, &b["CachePolicyId"])?) } else { None },
        }))
    };
    let behaviors = distribution["CacheBehaviors"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(behaviour)
        .collect::<Result<Vec<_>>>()?;
    let dist = std::fs::canonicalize(local.dist)?;
    // S3 answers with the Cache-Control each object was uploaded with.
    let mut cache_control = BTreeMap::new();
    for entry in std::fs::read_dir(&dist)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        cache_control.insert(
            format!("/{name}"),
            crate::deploy::upload::cache_control(&name),
        );
    }
    cache_control.insert(
        "/config.json".to_owned(),
        crate::deploy::upload::cache_control("config.json"),
    );
    Ok(json!({
        "cacheControl": cache_control,
        "headers": headers,
        "default": behaviour(&distribution["DefaultCacheBehavior"])?,
        "behaviors": behaviors,
        "dist": dist,
        "api": local.api_url,
        "overrides": { "/config.json": std::fs::canonicalize(local.config_json)? },
    }))
}

/// CloudFront's managed cache policy CachingOptimized: its id and TTLs in seconds
/// (minimum, default, maximum), from its documentation.
const CACHING_OPTIMIZED: (&str, [u64; 3]) = (
    "658327ea-f89d-4fab-a63d-7e88639e58f6",
    [1, 86_400, 31_536_000],
);

/// The TTLs of a behaviour's cache policy: the managed one it names, or the template's
/// own it refers to.
fn cache_ttls(resources: &Value, policy: &Value) -> Result<serde_json::Value> {
    let [min, default, max] = match policy {
        Value::String(id) if id == CACHING_OPTIMIZED.0 => CACHING_OPTIMIZED.1,
        Value::Tagged(reference) if reference.tag == "Ref" => {
            let name = reference.value.as_str().context("a cache policy's name")?;
            let config = &resources[name]["Properties"]["CachePolicyConfig"];
            let ttl = |key: &str| {
                config[key]
                    .as_u64()
                    .with_context(|| format!("{name} {key}"))
            };
            [ttl("MinTTL")?, ttl("DefaultTTL")?, ttl("MaxTTL")?]
        }
        other => bail!("a cache policy the stand-in does not know: {other:?}"),
    };
    Ok(json!({ "min": min, "default": default, "max": max }))
}

/// Just enough of CloudFormation's intrinsic functions for the headers: `!Sub` (with
/// or without its variable map), `!If`, `!Ref`, and plain strings.
struct Eval<'a> {
    params: &'a BTreeMap<&'static str, String>,
    conditions: &'a BTreeMap<&'static str, bool>,
}

impl Eval<'_> {
    fn value(&self, value: &Value) -> Result<String> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Tagged(tagged) => match tagged.tag.to_string().as_str() {
                "!Sub" => match &tagged.value {
                    Value::String(text) => self.sub(text, &BTreeMap::new()),
                    Value::Sequence(parts) => {
                        let text = parts[0].as_str().context("!Sub text")?;
                        let mut vars = BTreeMap::new();
                        if let Some(map) = parts.get(1).and_then(Value::as_mapping) {
                            for (k, v) in map {
                                vars.insert(
                                    k.as_str().unwrap_or_default().to_owned(),
                                    self.value(v)?,
                                );
                            }
                        }
                        self.sub(text, &vars)
                    }
                    other => bail!("!Sub of {other:?}"),
                },
                "!If" => {
                    let parts = tagged.value.as_sequence().context("!If list")?;
                    let name = parts[0].as_str().context("!If condition")?;
                    let holds = *self
                        .conditions
                        .get(name)
                        .with_context(|| format!("unknown condition {name}"))?;
                    self.value(&parts[if holds { 1 } else { 2 }])
                }
                "!Ref" => {
                    let name = tagged.value.as_str().context("!Ref name")?;
                    self.params
                        .get(name)
                        .cloned()
                        .with_context(|| format!("unknown parameter {name}"))
                }
                other => bail!("{other} is not stood in for"),
            },
            other => bail!("cannot evaluate {other:?}"),
        }
    }

    fn sub(&self, text: &str, vars: &BTreeMap<String, String>) -> Result<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').context("unclosed ${")? + start;
            let name = &rest[start + 2..end];
            let value = match vars.get(name) {
                Some(v) => v.clone(),
                None => self
                    .params
                    .get(name)
                    .cloned()
                    .with_context(|| format!("unknown ${{{name}}}"))?,
            };
            out.push_str(&value);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}
