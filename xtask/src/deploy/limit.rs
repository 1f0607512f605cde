//! The per-address request limit (`--rate-limit N`) and what keeps it from being
//! walked around.
//!
//! The HTTP API's throttle is shared by every caller, and AWS WAF cannot attach to an
//! HTTP API, so the limit is a web ACL on the CloudFront distribution
//! (`infra/waf.yaml`). CloudFront takes web ACLs from us-east-1 only, so it is a stack
//! of its own there, `board-STAGE-REGION-limit` (one per board stack, also when one
//! stage exists in two regions), whose ARN the board's stack gets as `WebAclArn`.
//!
//! The API must then be reachable only through the distribution: CloudFront sends it
//! the stack's origin secret in `x-origin-verify`, and the function refuses every
//! request without it. The secret is made once, on the stack's first deploy (or the
//! first with this parameter), and kept: `sam deploy` keeps the previous value of a
//! parameter it is not given.

use anyhow::{Context, Result, bail};

use super::cli::{Answer, Cli};

/// Where CloudFront's web ACLs live.
pub const EDGE_REGION: &str = "us-east-1";

/// The limit's stack, for board stack `stack` in `region`.
pub fn stack_name(stack: &str, region: &str) -> String {
    format!("{stack}-{region}-limit")
}

/// What `--rate-limit` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// Not given: whatever the stack has stays.
    Kept,
    /// `""`: no limit (the web ACL is detached, then its stack removed).
    Removed,
    /// At most this many API requests per address in five minutes.
    PerFiveMinutes(u32),
}

impl Limit {
    /// `--rate-limit`'s value: `None` when not given.
    pub fn parse(given: Option<&str>) -> Result<Self> {
        match given.map(str::trim) {
            None => Ok(Self::Kept),
            Some("") => Ok(Self::Removed),
            Some(n) => match n.parse::<u32>() {
                Ok(n) if n >= 10 => Ok(Self::PerFiveMinutes(n)),
                _ => bail!(
                    "--rate-limit takes a whole number of requests per address in five \
                     minutes, 10 or more (AWS WAF's least), or \"\" to remove the limit"
                ),
            },
        }
    }
}

/// Creates or updates the web ACL's stack in us-east-1 and returns the ACL's ARN (a
/// placeholder on a dry run).
pub fn deploy(edge: &Cli, stack: &str, region: &str, per_five_minutes: u32) -> Result<String> {
    let limit_stack = stack_name(stack, region);
    edge.say(&format!(
        "the per-address limit: at most {per_five_minutes} API requests per address in five \
         minutes, a web ACL in {EDGE_REGION} (stack {limit_stack})"
    ));
    let acl = format!("AclName={stack}-{region}");
    let rate = format!("RateLimit={per_five_minutes}");
    edge.run(&[
        "sam",
        "deploy",
        "--template-file",
        "infra/waf.yaml",
        "--stack-name",
        &limit_stack,
        "--no-fail-on-empty-changeset",
        "--parameter-overrides",
        &acl,
        &rate,
    ])?;
    let described = match describe(edge, &limit_stack)? {
        None => return Ok(format!("<the web ACL of {limit_stack}>")),
        Some(Answer::Ok(described)) => described,
        Some(Answer::Failed(stderr)) => bail!("reading the stack {limit_stack}: {stderr}"),
    };
    crate::outputs::from_value(&described)?
        .get("WebAclArn")
        .cloned()
        .with_context(|| format!("the stack {limit_stack} has no output WebAclArn"))
}

/// `describe-stacks` of the limit's stack (`None` on a dry run).
fn describe(edge: &Cli, limit_stack: &str) -> Result<Option<Answer>> {
    edge.query(&[
        "aws",
        "cloudformation",
        "describe-stacks",
        "--stack-name",
        limit_stack,
    ])
}

/// Deletes the web ACL's stack, if there is one (after the distribution let go of it:
/// WAF does not delete an ACL in use), and waits until it is gone.
pub fn remove(edge: &Cli, stack: &str, region: &str) -> Result<()> {
    let limit_stack = stack_name(stack, region);
    match describe(edge, &limit_stack)? {
        // None (or none any more).
        Some(Answer::Failed(stderr)) if stderr.contains("does not exist") => return Ok(()),
        // Anything else (access denied, throttling) may hide a web ACL that bills on.
        Some(Answer::Failed(stderr)) => {
            bail!("cannot read the stack {limit_stack} (the per-address limit): {stderr}")
        }
        Some(Answer::Ok(_)) | None => {}
    }
    edge.run(&[
        "aws",
        "cloudformation",
        "delete-stack",
        "--stack-name",
        &limit_stack,
    ])?;
    edge.run(&[
        "aws",
        "cloudformation",
        "wait",
        "stack-delete-complete",
        "--stack-name",
        &limit_stack,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_is_a_number_from_ten_or_empty() {
        assert_eq!(Limit::parse(None).unwrap(), Limit::Kept);
        assert_eq!(Limit::parse(Some("")).unwrap(), Limit::Removed);
        assert_eq!(
            Limit::parse(Some("300")).unwrap(),
            Limit::PerFiveMinutes(300)
        );
        for bad in ["9", "0", "-5", "lots", "1e3"] {
            assert!(Limit::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
