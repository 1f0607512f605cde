//! `cargo xtask deploy --stage NAME`: the board to AWS from `infra/template.yaml`.
//!
//! 1. The tools: the app's build tools and the deploy's own (the SAM CLI,
//!    cargo-lambda and Zig, pinned with their hashes in `.venv-deploy/`, first on the
//!    PATH of every command the deploy runs), installed when missing; the AWS CLI is
//!    the user's.
//! 2. Preflight ([`preflight`]): the credentials' account and region; the stack's state
//!    (a stack left in `ROLLBACK_COMPLETE` by a failed first create is explained and,
//!    with `--yes`, removed); the hosted-UI domain prefix and the table names free or
//!    already this stack's.
//! 3. The app's release build; `sam build` and `sam deploy`. A first create runs with
//!    deletion protection off, so that a failure rolls back completely (the template's
//!    data resources are `RetainExceptOnCreate`), and a second `sam deploy` turns it on.
//!    The CSP names the new start-up script's hash and the live one's, so the page a
//!    visitor already holds keeps working while `index.html` switches over.
//! 4. The stack's outputs, `config.json` from them, the upload ([`upload`]) and the
//!    CloudFront invalidation. `--skip-infra` runs only this part again.
//!
//! `--dry-run` prints every step and writes `config.json` from an outputs file,
//! touching nothing remote.

pub mod build;
mod cli;
mod limit;
mod preflight;
mod tables;
pub mod teardown;
pub(crate) mod upload;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use self::cli::Cli;
use crate::{app, outputs};

#[derive(clap::Args)]
pub struct DeployOptions {
    /// Names the deployment: the stack is board-STAGE.
    #[arg(long)]
    pub stage: String,
    /// The hosted UI's domain prefix (unique in the region); by default the deployed
    /// stack's.
    #[arg(long)]
    pub auth_domain_prefix: Option<String>,
    /// Also allow sign-in from a local app at this URL, e.g. http://localhost:8080/,
    /// through an app client of its own (output LocalDevClientId); by default the
    /// deployed stack's (`--local-dev-url ""` removes it).
    #[arg(long)]
    pub local_dev_url: Option<String>,
    /// How the app signs in; by default the deployed stack's choice, else implicit.
    #[arg(long, value_enum)]
    pub grant: Option<outputs::Grant>,
    #[arg(long)]
    pub region: Option<String>,
    /// Let visitors without a token read posts (the read routes skip the authorizer;
    /// writing always needs a token). `--public-read` or `--public-read true|false`;
    /// by default the deployed stack's choice, else private.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub public_read: Option<bool>,
    /// Serve the site at this domain (board.example.com) instead of the distribution's
    /// *.cloudfront.net name; needs --certificate-arn. By default the deployed stack's
    /// (`--domain ""` goes back to the distribution's name).
    #[arg(long)]
    pub domain: Option<String>,
    /// The ACM certificate for --domain, in us-east-1 (CloudFront takes no other).
    #[arg(long)]
    pub certificate_arn: Option<String>,
    /// Send the user pool's email through this verified SES identity (its ARN) instead
    /// of Cognito's own sender, which allows about 50 a day. By default the deployed
    /// stack's (`""` goes back to Cognito's sender).
    #[arg(long)]
    pub ses_identity: Option<String>,
    /// With --ses-identity: the From address; by default the identity's own.
    #[arg(long)]
    pub email_from: Option<String>,
    /// Create the alarms (function errors and throttles, the API's 5xx, DynamoDB
    /// throttles and errors, CloudFront's 5xx rate) and send them to this address. By
    /// default the deployed stack's (`""` removes the alarms).
    #[arg(long)]
    pub alarm_email: Option<String>,
    /// Limit each address to N API requests in any five minutes (past it, 429), with
    /// an AWS WAF web ACL on the distribution, in us-east-1; the API then answers only
    /// through the site. About US$6 a month at rest. By default the deployed stack's
    /// (`""` removes the limit and its web ACL).
    #[arg(long)]
    pub rate_limit: Option<String>,
    /// Remove a stack left in ROLLBACK_COMPLETE by a failed first create without asking.
    #[arg(long)]
    pub yes: bool,
    /// Only the steps after `sam deploy`: config.json, upload, invalidation (after one
    /// of them failed). The stack must be deployed and its CSP must already allow this
    /// build's start-up script.
    #[arg(long)]
    pub skip_infra: bool,
    /// Deploy the app already built in --dist instead of building it.
    #[arg(long)]
    pub skip_build: bool,
    /// The built app (default dist/).
    #[arg(long)]
    pub dist: Option<PathBuf>,
    /// Print every step, run none, and write config.json from --outputs.
    #[arg(long)]
    pub dry_run: bool,
    /// The stack's outputs, as `aws cloudformation describe-stacks` prints them.
    #[arg(long)]
    pub outputs: Option<PathBuf>,
    /// Where config.json is written (default DIST/config.json).
    #[arg(long)]
    pub config_out: Option<PathBuf>,
}

pub fn run(root: &std::path::Path, options: DeployOptions) -> Result<()> {
    if let Some(prefix) = &options.auth_domain_prefix {
        preflight::check_prefix(prefix)?;
    }
    let limit = limit::Limit::parse(options.rate_limit.as_deref())?;
    let stack = format!("board-{}", options.stage);
    let dist = options.dist.clone().unwrap_or_else(|| root.join("dist"));
    let config_out = options
        .config_out
        .clone()
        .unwrap_or_else(|| dist.join("config.json"));
    let cli = Cli::new(root, options.dry_run, options.region.as_deref());

    // 1. Tools: the deploy's own (also for a dry run, whose lines they must take),
    // and the app's build tools when it builds.
    if !options.skip_infra {
        crate::setup::deploy_tools(root)?;
    }
    if !options.dry_run {
        if !options.skip_build {
            crate::setup::app_tools(root)?;
        }
        preflight::require_tools(&cli)?;
    }

    // 2. Preflight.
    let region = preflight::account(&cli)?;
    let existing = preflight::stack(&cli, &stack, options.yes)?;
    if options.skip_infra && existing.is_none() && !options.dry_run {
        bail!("--skip-infra needs the stack {stack} deployed: run the deploy without it first");
    }
    // What the stack already has, for each option not given: a redeploy without
    // `--public-read` keeps a public board public.
    let deployed = |key: &str| {
        existing
            .as_ref()
            .and_then(|e| e.parameters.get(key))
            .cloned()
    };
    let public_read = options
        .public_read
        .or_else(|| deployed("PublicRead").map(|v| v == "true"))
        .unwrap_or(false);
    // The same for the options whose empty value means "none".
    let kept = |given: &Option<String>, key: &str| {
        given.clone().or_else(|| deployed(key)).unwrap_or_default()
    };
    let local_dev_url = kept(&options.local_dev_url, "LocalDevUrl");
    let domain = kept(&options.domain, "Domain");
    let certificate = kept(&options.certificate_arn, "CertificateArn");
    let ses_identity = kept(&options.ses_identity, "SesIdentityArn");
    let email_from = kept(&options.email_from, "EmailFrom");
    let alarm_email = kept(&options.alarm_email, "AlarmEmail");
    if !domain.is_empty() && certificate.is_empty() {
        bail!("--domain {domain} needs --certificate-arn: an ACM certificate for it in us-east-1");
    }
    if !certificate.is_empty() && !certificate.contains(":acm:us-east-1:") {
        bail!("CloudFront takes certificates from us-east-1 only; {certificate} is elsewhere");
    }
    let prefix = match (
        options
            .auth_domain_prefix
            .clone()
            .or_else(|| deployed("AuthDomainPrefix")),
        options.skip_infra,
    ) {
        (Some(prefix), _) => prefix,
        (None, true) => String::new(),
        (None, false) if options.dry_run => "<prefix>".to_owned(),
        (None, false) => {
            bail!("--auth-domain-prefix is needed: the hosted UI's domain, unique in the region")
        }
    };
    // A pool has one hosted-UI domain: CloudFormation would create the new one before
    // removing the old, Cognito refuses the second, and the update rolls back.
    if let Some(live) = deployed("AuthDomainPrefix").filter(|live| !live.is_empty())
        && live != prefix
        && !options.skip_infra
    {
        bail!(
            "the hosted UI's domain prefix of stage {} is {live}; it cannot change to {prefix} \
             in place (a user pool has one domain, and CloudFormation would add the new one \
             before removing the old). Leave --auth-domain-prefix out, or deploy another --stage",
            options.stage
        );
    }
    if !options.skip_infra {
        preflight::domain(&cli, &prefix, existing.as_ref())?;
        let tables: Vec<(&str, String)> = tables::named(&stack)
            .map(|(table, name)| (table.logical, name))
            .collect();
        preflight::tables(&cli, &stack, &tables, existing.as_ref())?;
    }

    // 3. The app, then the stack.
    if options.skip_build {
        cli.say(&format!("use the app already built in {}", dist.display()));
    } else {
        cli.say("build the app: trunk build --release --offline");
        if !options.dry_run {
            app::build(root)?;
        }
    }
    if dist.exists() && !options.dry_run {
        // Also for an app built elsewhere: CloudFront does not compress WebAssembly.
        app::precompress(&dist)?;
    }
    let index = dist.join("index.html");
    let script_hash = match std::fs::read_to_string(&index) {
        Ok(html) => Some(app::inline_script_hash(&html)?),
        Err(_) if options.dry_run => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", index.display())),
    };
    let live_hash = existing
        .as_ref()
        .and_then(|e| e.parameters.get("AppScriptHash"))
        .filter(|h| !h.is_empty())
        .cloned();
    // A grant switch changes the CSP too (the code grant may reach the token endpoint).
    let live_grant = existing
        .as_ref()
        .and_then(|e| e.parameters.get("Grant"))
        .and_then(|g| outputs::Grant::parse(g));
    let grant_changed = !options.skip_infra && options.grant.is_some_and(|g| Some(g) != live_grant);

    if options.skip_infra {
        let allowed = existing.as_ref().map(|e| {
            ["AppScriptHash", "PreviousAppScriptHash"]
                .iter()
                .filter_map(|k| e.parameters.get(*k))
                .any(|h| Some(h) == script_hash.as_ref())
        });
        if allowed == Some(false) {
            bail!(
                "this build's start-up script is not the deployed one (its CSP hash differs): \
                 deploy without --skip-infra so that the CSP allows it"
            );
        }
        cli.say("skip sam build and sam deploy (--skip-infra)");
    } else {
        let first_create = existing.is_none();
        let grant = options
            .grant
            .or_else(|| {
                existing
                    .as_ref()
                    .and_then(|e| e.parameters.get("Grant"))
                    .and_then(|g| outputs::Grant::parse(g))
            })
            .unwrap_or_default();
        cli.say(&format!("sign-in: the {grant} grant"));
        let mut overrides = vec![
            format!("Grant={grant}"),
            format!("StageName={}", options.stage),
            format!("AuthDomainPrefix={prefix}"),
            format!("PublicRead={public_read}"),
            format!(
                "AppScriptHash={}",
                script_hash
                    .as_deref()
                    .unwrap_or("<hash of dist/index.html>")
            ),
        ];
        // The live page's script stays allowed while index.html switches over.
        overrides.push(parameter(
            "PreviousAppScriptHash",
            live_hash
                .as_ref()
                .filter(|h| Some(*h) != script_hash.as_ref())
                .map_or("", String::as_str),
        ));
        // The per-address limit, in us-east-1 (before the distribution refers to it).
        let edge = Cli::new(root, options.dry_run, Some(limit::EDGE_REGION));
        let web_acl = match limit {
            limit::Limit::Kept => deployed("WebAclArn").unwrap_or_default(),
            limit::Limit::Removed => String::new(),
            limit::Limit::PerFiveMinutes(n) => limit::deploy(&edge, &stack, &region, n)?,
        };
        overrides.push(parameter("WebAclArn", &web_acl));
        // The origin secret is made once and then kept (a parameter `sam deploy` is not
        // given keeps its value); it is never printed.
        let origin_secret = existing
            .as_ref()
            .is_none_or(|e| !e.parameters.contains_key("OriginSecret"))
            .then(crate::secret::new_origin_secret);
        if let Some(secret) = &origin_secret {
            cli.say("a new origin secret for the API (CloudFront sends it, the API requires it)");
            overrides.push(format!("OriginSecret={secret}"));
        }
        // Always said, so that `--local-dev-url ""` removes the local client (and the
        // same for the others).
        for (key, name, value) in [
            ("LocalDevUrl", "local-dev-url", &local_dev_url),
            ("Domain", "domain", &domain),
            ("CertificateArn", "certificate-arn", &certificate),
            ("SesIdentityArn", "ses-identity", &ses_identity),
            ("EmailFrom", "email-from", &email_from),
            ("AlarmEmail", "alarm-email", &alarm_email),
        ] {
            overrides.push(parameter(key, plain(name, value)?));
        }
        cli.run(&build::SAM_BUILD)?;
        let deploy = |protect: bool| -> Result<()> {
            let mut args = vec![
                "sam",
                "deploy",
                "--stack-name",
                &stack,
                "--resolve-s3",
                "--capabilities",
                "CAPABILITY_IAM",
                "--no-fail-on-empty-changeset",
                "--parameter-overrides",
            ];
            let protection = format!("DataProtection={protect}");
            args.extend(overrides.iter().map(String::as_str));
            args.push(&protection);
            cli.run_hiding(&args, origin_secret.as_deref())
        };
        if let Err(error) = deploy(!first_create) {
            if first_create && !options.dry_run {
                match preflight::first_failure(&cli, &stack) {
                    Ok(Some(why)) => bail!(
                        "{error:#}\nthe first create of {stack} failed: {why}. Nothing of it \
                         is kept; fix the cause and run the deploy again with --yes to remove \
                         the failed stack and retry"
                    ),
                    Ok(None) => bail!(
                        "{error:#}\nsam deploy stopped before creating {stack} (see its \
                         message above); there is nothing to remove"
                    ),
                    Err(e) => bail!("{error:#}\nthe events of {stack} could not be read: {e}"),
                }
            }
            return Err(error);
        }
        if first_create {
            cli.say("the stack exists: turn on deletion protection for its tables and user pool");
            deploy(true)?;
        }
        // The distribution let go of the web ACL: now it can go.
        if limit == limit::Limit::Removed && deployed("WebAclArn").is_some_and(|a| !a.is_empty()) {
            limit::remove(&edge, &stack, &region)?;
        }
    }

    // 4. Outputs, config, upload, invalidation.
    let outputs = match &options.outputs {
        Some(file) => {
            cli.say(&format!("read the stack's outputs from {}", file.display()));
            outputs::parse(
                &std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?,
            )?
        }
        None if options.dry_run => bail!(
            "--dry-run needs --outputs FILE (as `aws cloudformation describe-stacks` prints it)"
        ),
        None => {
            let described = cli
                .query_ok(&[
                    "aws",
                    "cloudformation",
                    "describe-stacks",
                    "--stack-name",
                    &stack,
                ])?
                .context("describe-stacks answered nothing")?;
            outputs::from_value(&described)?
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
    cli.say(&format!("write {}", config_out.display()));
    if let Some(dir) = config_out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&config_out, outputs::config_json(&outputs)?)?;
    // A page whose start-up script the CSP at some edge does not allow yet is blank
    // there: when the script or the grant changed, index.html waits until every edge
    // has the new CSP (the distribution's comment names both, so the distribution
    // itself changes and the wait has something to wait for). A first create has no
    // visitors to wait for.
    let csp_changed = existing.is_some()
        && (options.skip_infra || live_hash.as_ref() != script_hash.as_ref() || grant_changed);
    upload::upload(&cli, &dist, &bucket, &distribution, csp_changed)?;
    println!("deploy: the board is at {site}");
    if !domain.is_empty() {
        let target = outputs
            .get("DistributionDomain")
            .map_or("the output DistributionDomain", String::as_str);
        println!(
            "deploy: {domain} must point at {target} in your DNS (a CNAME, or an alias record)"
        );
    }
    if !alarm_email.is_empty() {
        println!(
            "deploy: alarms go to {alarm_email} once it confirms the subscription (AWS sent it an email)"
        );
    }
    Ok(())
}

/// One `Key=Value` of `sam deploy --parameter-overrides`. SAM CLI's parser refuses a
/// bare `Key=` ("is not a valid format") and ends a value at a space; an empty value,
/// or one with spaces or quotes, must be written `Key="..."` (a `"` inside as `\"`),
/// which it reads back to the value. The argument goes to `sam` as is, no shell in
/// between, so the quotes reach it. (SAM CLI unescapes `\"`, `\'` and `\ ` but not
/// `\\`, so a value with a backslash is refused before: [`plain`].)
fn parameter(key: &str, value: &str) -> String {
    if value.is_empty() || value.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        format!("{key}=\"{}\"", value.replace('"', "\\\""))
    } else {
        format!("{key}={value}")
    }
}

/// `value` of option `--name`, if SAM CLI can carry it: one line, no backslash.
fn plain<'a>(name: &str, value: &'a str) -> Result<&'a str> {
    if value.contains(|c: char| c == '\\' || c.is_control()) {
        bail!("--{name} may hold no backslash or control character: {value:?}");
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_parameter_is_written_as_sam_reads_it() {
        assert_eq!(
            parameter("PreviousAppScriptHash", ""),
            "PreviousAppScriptHash=\"\""
        );
        assert_eq!(
            parameter("PreviousAppScriptHash", "sha256-abc="),
            "PreviousAppScriptHash=sha256-abc="
        );
        assert_eq!(
            parameter("EmailFrom", "The \"board\" <no-reply@example.com>"),
            r#"EmailFrom="The \"board\" <no-reply@example.com>""#
        );
    }

    #[test]
    fn a_value_sam_cli_would_change_is_refused() {
        assert!(plain("email-from", r"a\b <x@example.com>").is_err());
        assert!(plain("email-from", "a\nb").is_err());
        assert_eq!(
            plain("email-from", "Board <x@example.com>").ok(),
            Some("Board <x@example.com>")
        );
    }
}
