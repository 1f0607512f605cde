//! `cargo xtask deploy --stage NAME`: the board to AWS from `infra/template.yaml`.
//!
//! Steps: build the app; `sam build` + `sam deploy` (the app's inline start-up script's
//! hash goes into the CSP); read the stack's outputs; write `config.json` from them;
//! sync `dist/` to the bucket (hashed files cached for a year, `index.html` and
//! `config.json` never); invalidate CloudFront; print the site's URL. `--dry-run`
//! prints every step and writes `config.json` from an outputs file, touching nothing
//! remote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::setup::run_cmd;

#[derive(clap::Args)]
pub struct DeployOptions {
    /// Names the deployment: the stack is board-STAGE.
    #[arg(long)]
    pub stage: String,
    /// The hosted UI's domain prefix (unique in the region).
    #[arg(long)]
    pub auth_domain_prefix: Option<String>,
    /// Also allow sign-in from a local app at this URL, e.g. http://localhost:8080/.
    #[arg(long)]
    pub local_dev_url: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    /// Let visitors without a token read posts (the read routes skip the authorizer;
    /// writing always needs a token).
    #[arg(long)]
    pub public_read: bool,
    /// Print every step, run none, and write config.json from --outputs.
    #[arg(long)]
    pub dry_run: bool,
    /// The stack's outputs, as `aws cloudformation describe-stacks` prints them.
    #[arg(long)]
    pub outputs: Option<PathBuf>,
    /// Where config.json is written (default dist/config.json).
    #[arg(long)]
    pub config_out: Option<PathBuf>,
}

pub fn run(root: &Path, options: DeployOptions) -> Result<()> {
    let stack = format!("board-{}", options.stage);
    let config_out = options
        .config_out
        .clone()
        .unwrap_or_else(|| root.join("dist/config.json"));
    let mut plan = Plan {
        dry_run: options.dry_run,
        root: root.to_path_buf(),
    };

    if !options.dry_run {
        require_tools()?;
    }
    plan.local(
        "build the app",
        &["trunk", "build", "--release", "--offline"],
        || crate::test::build_app(root),
    )?;
    let script_hash = if options.dry_run && !root.join("dist/index.html").exists() {
        None
    } else {
        Some(inline_script_hash(&std::fs::read_to_string(
            root.join("dist/index.html"),
        )?)?)
    };

    let mut overrides = vec![format!("StageName={}", options.stage)];
    match &options.auth_domain_prefix {
        Some(prefix) => overrides.push(format!("AuthDomainPrefix={prefix}")),
        None if options.dry_run => overrides.push("AuthDomainPrefix=<prefix>".to_owned()),
        None => {
            bail!("--auth-domain-prefix is needed: the hosted UI's domain, unique in the region")
        }
    }
    if let Some(url) = &options.local_dev_url {
        overrides.push(format!("LocalDevUrl={url}"));
    }
    overrides.push(format!("PublicRead={}", options.public_read));
    overrides.push(format!(
        "AppScriptHash={}",
        script_hash
            .as_deref()
            .unwrap_or("<hash of dist/index.html>")
    ));
    let region: Vec<String> = options
        .region
        .iter()
        .flat_map(|r| ["--region".to_owned(), r.clone()])
        .collect();

    plan.remote(
        &[
            "sam",
            "build",
            "--template-file",
            "infra/template.yaml",
            "--beta-features",
        ],
        &[],
    )?;
    let mut deploy = vec![
        "sam",
        "deploy",
        "--stack-name",
        &stack,
        "--resolve-s3",
        "--capabilities",
        "CAPABILITY_IAM",
    ];
    deploy.extend(["--no-fail-on-empty-changeset", "--parameter-overrides"]);
    let overrides: Vec<&str> = overrides.iter().map(String::as_str).collect();
    deploy.extend(&overrides);
    plan.remote(&deploy, &region)?;

    let outputs = match (&options.outputs, options.dry_run) {
        (Some(file), _) => {
            plan.say(&format!("read the stack's outputs from {}", file.display()));
            parse_outputs(
                &std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?,
            )?
        }
        (None, true) => bail!(
            "--dry-run needs --outputs FILE (as `aws cloudformation describe-stacks` prints it)"
        ),
        (None, false) => {
            let mut describe = Command::new("aws");
            describe
                .args([
                    "cloudformation",
                    "describe-stacks",
                    "--stack-name",
                    &stack,
                    "--output",
                    "json",
                ])
                .args(&region);
            let out = describe
                .output()
                .context("running aws cloudformation describe-stacks")?;
            if !out.status.success() {
                bail!(
                    "describe-stacks failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            parse_outputs(&String::from_utf8_lossy(&out.stdout))?
        }
    };
    let output = |key: &str| {
        outputs
            .get(key)
            .cloned()
            .with_context(|| format!("the stack has no output {key}"))
    };
    let (site, bucket, distribution) = (
        output("SiteUrl")?,
        output("SiteBucketName")?,
        output("DistributionId")?,
    );

    let config = config_json(&outputs)?;
    plan.say(&format!("write {}", config_out.display()));
    if let Some(dir) = config_out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&config_out, &config)?;

    let target = format!("s3://{bucket}/");
    let long = "public,max-age=31536000,immutable";
    let sync = [
        "aws",
        "s3",
        "sync",
        "dist/",
        &target,
        "--delete",
        "--exclude",
        "index.html",
        "--exclude",
        "config.json",
    ];
    plan.remote(&[&sync[..], &["--cache-control", long]].concat(), &region)?;
    for file in ["index.html", "config.json"] {
        let from = format!("dist/{file}");
        let to = format!("{target}{file}");
        plan.remote(
            &["aws", "s3", "cp", &from, &to, "--cache-control", "no-cache"],
            &region,
        )?;
    }
    plan.remote(
        &[
            "aws",
            "cloudfront",
            "create-invalidation",
            "--distribution-id",
            &distribution,
            "--paths",
            "/",
            "/index.html",
            "/config.json",
        ],
        &[],
    )?;
    println!("deploy: the board is at {site}");
    Ok(())
}

/// Runs steps, or with --dry-run only says them.
struct Plan {
    dry_run: bool,
    root: PathBuf,
}

impl Plan {
    fn say(&self, step: &str) {
        println!("deploy: {step}");
    }

    fn local(
        &mut self,
        what: &str,
        shown: &[&str],
        run: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        self.say(&format!("{what}: {}", shown.join(" ")));
        if self.dry_run { Ok(()) } else { run() }
    }

    fn remote(&mut self, args: &[&str], extra: &[String]) -> Result<()> {
        let shown: Vec<&str> = args
            .iter()
            .copied()
            .chain(extra.iter().map(String::as_str))
            .collect();
        self.say(&shown.join(" "));
        if self.dry_run {
            return Ok(());
        }
        run_cmd(
            Command::new(args[0])
                .current_dir(&self.root)
                .args(&args[1..])
                .args(extra),
        )
    }
}

fn require_tools() -> Result<()> {
    let missing: Vec<&str> = [
        (
            "sam",
            &["--version"][..],
            "AWS SAM CLI: pip install aws-sam-cli (or see the SAM install guide)",
        ),
        (
            "cargo",
            &["lambda", "--version"][..],
            "cargo-lambda: pip install cargo-lambda (or cargo install cargo-lambda)",
        ),
        (
            "aws",
            &["--version"][..],
            "AWS CLI v2: see the AWS CLI install guide, then `aws configure`",
        ),
    ]
    .into_iter()
    .filter(|(tool, args, _)| {
        !Command::new(tool)
            .args(*args)
            .output()
            .is_ok_and(|o| o.status.success())
    })
    .map(|(_, _, hint)| hint)
    .collect();
    if !missing.is_empty() {
        bail!("missing tools:\n  - {}", missing.join("\n  - "));
    }
    Ok(())
}

/// Outputs from `aws cloudformation describe-stacks` JSON (or a bare `Outputs` list).
pub fn parse_outputs(json: &str) -> Result<BTreeMap<String, String>> {
    let value: serde_json::Value =
        serde_json::from_str(json).context("the outputs are not JSON")?;
    let list = value
        .pointer("/Stacks/0/Outputs")
        .or_else(|| value.get("Outputs"))
        .unwrap_or(&value)
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

/// The CSP source for the inline `<script>` Trunk puts in index.html.
pub fn inline_script_hash(html: &str) -> Result<String> {
    let start = html
        .find("<script")
        .context("index.html has no inline script")?;
    let open_end = html[start..].find('>').context("unterminated <script>")? + start + 1;
    let close = html[open_end..]
        .find("</script>")
        .context("unterminated <script>")?
        + open_end;
    if html[close..].contains("<script") {
        bail!("index.html has more than one inline script; the CSP names one");
    }
    let digest = Sha256::digest(&html.as_bytes()[open_end..close]);
    Ok(format!("sha256-{}", STANDARD.encode(digest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inline_script_hash_covers_exactly_the_script_text() {
        let html =
            "<head><script type=module>import init from '/a.js';</script><link href=/b></head>";
        let expected = STANDARD.encode(Sha256::digest(b"import init from '/a.js';"));
        assert_eq!(
            inline_script_hash(html).unwrap(),
            format!("sha256-{expected}")
        );
        assert!(inline_script_hash("<head></head>").is_err());
        assert!(inline_script_hash("<script>a</script><script>b</script>").is_err());
    }
}
