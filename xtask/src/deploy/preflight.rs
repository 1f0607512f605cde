//! What is checked before anything is created: the tools, the credentials, the stack's
//! state, and that the names the template claims (the hosted-UI domain prefix, the
//! table names) are free or already this stack's.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Result, bail};
use serde_json::Value;

use super::cli::{Answer, Cli};

/// The tools a deploy runs, each with how to get it: the deploy installs the SAM CLI
/// and cargo-lambda itself (`.venv-deploy`), so only the AWS CLI is the user's.
const TOOLS: [(&str, &[&str], &str); 3] = [
    (
        "sam",
        &["--version"],
        "the AWS SAM CLI: installed by the deploy into .venv-deploy (run `cargo xtask setup` to see why it failed)",
    ),
    (
        "cargo",
        &["lambda", "--version"],
        "cargo-lambda: installed by the deploy into .venv-deploy with Zig (run `cargo xtask setup` to see why it failed)",
    ),
    (
        "aws",
        &["--version"],
        "the AWS CLI v2: see https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html, then `aws configure`",
    ),
];

/// Names every missing tool with how to get it, looking where the deploy's commands
/// will (`cli`'s PATH).
pub fn require_tools(cli: &Cli) -> Result<()> {
    let missing: Vec<&str> = TOOLS
        .iter()
        .filter(|(tool, args, _)| {
            let mut shown = vec![(*tool).to_owned()];
            shown.extend(args.iter().map(|a| (*a).to_owned()));
            !cli.command(&shown)
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|(_, _, hint)| *hint)
        .collect();
    if !missing.is_empty() {
        bail!("missing tools:\n  - {}", missing.join("\n  - "));
    }
    Ok(())
}

/// Which account and region the credentials deploy to; fails with what to do when
/// they do not work or no region is set.
pub fn account(cli: &Cli) -> Result<String> {
    let Some(identity) = cli.query(&["aws", "sts", "get-caller-identity"])? else {
        // A dry run: the region chosen, or a placeholder.
        return Ok(cli
            .region
            .get(1)
            .cloned()
            .unwrap_or_else(|| "<region>".to_owned()));
    };
    let identity = match identity {
        Answer::Ok(value) => value,
        Answer::Failed(stderr) => bail!(
            "the AWS credentials do not work ({stderr}). Run `aws configure` (or set \
             AWS_PROFILE) and try again"
        ),
    };
    let region = match cli.region.get(1) {
        Some(region) => region.clone(),
        None => cli
            .text(&["aws", "configure", "get", "region"])?
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .unwrap_or_default(),
    };
    if region.is_empty() {
        bail!("no region is set: pass --region (e.g. --region eu-west-1) or run `aws configure`");
    }
    cli.say(&format!(
        "deploying to account {} in {region} as {}",
        identity["Account"].as_str().unwrap_or("?"),
        identity["Arn"].as_str().unwrap_or("?")
    ));
    Ok(region)
}

/// What `describe-stacks` said of a stack.
pub enum Described {
    /// Nothing was asked: a dry run.
    DryRun,
    Missing,
    Found {
        status: String,
        existing: Existing,
    },
}

/// The stack `name` as CloudFormation describes it now.
pub fn describe(cli: &Cli, name: &str) -> Result<Described> {
    let Some(answer) = cli.query(&[
        "aws",
        "cloudformation",
        "describe-stacks",
        "--stack-name",
        name,
    ])?
    else {
        return Ok(Described::DryRun);
    };
    let value = match answer {
        Answer::Ok(value) => value,
        Answer::Failed(stderr) if stderr.contains("does not exist") => {
            return Ok(Described::Missing);
        }
        Answer::Failed(stderr) => bail!("cannot read stack {name}: {stderr}"),
    };
    let stack = &value["Stacks"][0];
    let pairs = |list: &Value, key: &str, val: &str| -> BTreeMap<String, String> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p[key].as_str()?.to_owned(), p[val].as_str()?.to_owned())))
            .collect()
    };
    Ok(Described::Found {
        status: stack["StackStatus"].as_str().unwrap_or_default().to_owned(),
        existing: Existing {
            outputs: pairs(&stack["Outputs"], "OutputKey", "OutputValue"),
            parameters: pairs(&stack["Parameters"], "ParameterKey", "ParameterValue"),
        },
    })
}

/// The stack as CloudFormation has it now.
#[derive(Debug, Default)]
pub struct Existing {
    pub outputs: BTreeMap<String, String>,
    pub parameters: BTreeMap<String, String>,
}

/// The stack's state: `None` if it does not exist (a first create). A stack left in
/// `ROLLBACK_COMPLETE` by a failed first create cannot be updated: its first failure is
/// said, and it is removed with `--yes` (or when the person at the terminal agrees).
pub fn stack(cli: &Cli, name: &str, yes: bool) -> Result<Option<Existing>> {
    let (status, existing) = match describe(cli, name)? {
        Described::DryRun => return Ok(None),
        Described::Missing => {
            cli.say(&format!(
                "stack {name} does not exist yet: it will be created"
            ));
            return Ok(None);
        }
        Described::Found { status, existing } => (status, existing),
    };
    match status.as_str() {
        "ROLLBACK_COMPLETE" => {
            let why = first_failure(cli, name)?
                .unwrap_or_else(|| "its events could not be read".to_owned());
            cli.say(&format!(
                "stack {name} is in ROLLBACK_COMPLETE: its first create failed ({why}). \
                 CloudFormation cannot update it; it has to be deleted (it holds no data: a \
                 failed create removes the tables and the user pool too)"
            ));
            if !(yes
                || ask(&format!(
                    "Delete stack {name} now and create it again? [y/N] "
                )))
            {
                bail!(
                    "stack {name} left as it is. Fix the cause above, then run the deploy again \
                     with --yes to delete it and retry, or delete it yourself: \
                     aws cloudformation delete-stack --stack-name {name}"
                );
            }
            cli.run(&[
                "aws",
                "cloudformation",
                "delete-stack",
                "--stack-name",
                name,
            ])?;
            cli.run(&[
                "aws",
                "cloudformation",
                "wait",
                "stack-delete-complete",
                "--stack-name",
                name,
            ])?;
            Ok(None)
        }
        // A change set was made but never run (an interrupted first deploy): nothing
        // exists yet, and `sam deploy` creates it as new.
        "REVIEW_IN_PROGRESS" => {
            cli.say(&format!(
                "stack {name} was never created: it will be created"
            ));
            Ok(None)
        }
        s if s.ends_with("_IN_PROGRESS") => bail!(
            "stack {name} is busy ({s}): wait until CloudFormation finishes, then run the deploy again"
        ),
        s if s.ends_with("_FAILED") => bail!(
            "stack {name} is in {s}, which CloudFormation will not update. See its events \
             (aws cloudformation describe-stack-events --stack-name {name}) and the AWS guide \
             on continuing a failed rollback, then run the deploy again"
        ),
        _ => {
            cli.say(&format!("stack {name} is {status}: it will be updated"));
            Ok(Some(existing))
        }
    }
}

/// Why a stack's last operation failed: the earliest failed resource event.
pub fn first_failure(cli: &Cli, name: &str) -> Result<Option<String>> {
    let events = match cli.query(&[
        "aws",
        "cloudformation",
        "describe-stack-events",
        "--stack-name",
        name,
    ])? {
        None => return Ok(Some("unknown on a dry run".to_owned())),
        // No stack: the deploy stopped before creating one (its command line refused,
        // say), and there is nothing to remove.
        Some(Answer::Failed(stderr)) if stderr.contains("does not exist") => return Ok(None),
        Some(Answer::Failed(stderr)) => bail!("cannot read the events of {name}: {stderr}"),
        Some(Answer::Ok(events)) => events,
    };
    // Newest first, as CloudFormation lists them.
    let failed = events["StackEvents"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .find(|e| {
            e["ResourceStatus"]
                .as_str()
                .is_some_and(|s| s.ends_with("_FAILED"))
                && e["ResourceStatusReason"]
                    .as_str()
                    .is_some_and(|r| !r.contains("Resource creation cancelled"))
        });
    Ok(Some(match failed {
        Some(e) => format!(
            "{} ({}): {}",
            e["LogicalResourceId"].as_str().unwrap_or("?"),
            e["ResourceType"].as_str().unwrap_or("?"),
            e["ResourceStatusReason"].as_str().unwrap_or("?")
        ),
        None => "no failed resource event found".to_owned(),
    }))
}

/// The hosted-UI domain prefix must be free in the region, or this stack's own.
pub fn domain(cli: &Cli, prefix: &str, existing: Option<&Existing>) -> Result<()> {
    let Some(answer) = cli.query(&[
        "aws",
        "cognito-idp",
        "describe-user-pool-domain",
        "--domain",
        prefix,
    ])?
    else {
        return Ok(());
    };
    let holder = match answer {
        Answer::Ok(value) => value["DomainDescription"]["UserPoolId"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        Answer::Failed(stderr) => bail!("cannot check the domain prefix {prefix}: {stderr}"),
    };
    let ours = existing.and_then(|e| e.outputs.get("UserPoolId"));
    if !holder.is_empty() && Some(&holder) != ours {
        bail!(
            "the hosted-UI domain prefix {prefix} is taken in this region (by user pool \
             {holder}, perhaps another account's): choose another --auth-domain-prefix"
        );
    }
    Ok(())
}

/// A hosted-UI domain prefix Cognito would take: the template's pattern (lower-case
/// letters, digits and inner hyphens, at most 63), and none of the words Cognito keeps
/// for itself (`aws`, `amazon`, `cognito`), refused here before anything is created
/// rather than by CloudFormation half-way through a first create.
pub fn check_prefix(prefix: &str) -> Result<()> {
    let shaped = (1..=63).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !prefix.starts_with('-')
        && !prefix.ends_with('-');
    if !shaped {
        bail!(
            "--auth-domain-prefix {prefix:?}: 1 to 63 lower-case letters, digits and \
             hyphens, not starting or ending with a hyphen"
        );
    }
    if let Some(word) = ["aws", "amazon", "cognito"]
        .into_iter()
        .find(|w| prefix.contains(w))
    {
        bail!(
            "--auth-domain-prefix {prefix:?} contains {word:?}, which Cognito does not \
             allow in a domain prefix: choose another"
        );
    }
    Ok(())
}

/// The tables the template names must not exist unless this stack holds them: a
/// table kept from an earlier stack of the same name would make the create fail.
pub fn tables(
    cli: &Cli,
    stack: &str,
    names: &[(&str, String)],
    existing: Option<&Existing>,
) -> Result<()> {
    for (logical, table) in names {
        let Some(answer) =
            cli.query(&["aws", "dynamodb", "describe-table", "--table-name", table])?
        else {
            continue;
        };
        match answer {
            Answer::Failed(stderr) if stderr.contains("ResourceNotFoundException") => continue,
            Answer::Failed(stderr) => bail!("cannot check table {table}: {stderr}"),
            Answer::Ok(_) => {}
        }
        let held = match existing {
            None => None,
            Some(_) => cli
                .query_ok(&[
                    "aws",
                    "cloudformation",
                    "describe-stack-resource",
                    "--stack-name",
                    stack,
                    "--logical-resource-id",
                    logical,
                ])?
                .and_then(|r| {
                    r["StackResourceDetail"]["PhysicalResourceId"]
                        .as_str()
                        .map(str::to_owned)
                }),
        };
        if held.as_deref() != Some(table.as_str()) {
            bail!(
                "table {table} already exists outside stack {stack} (kept from an earlier \
                 deploy of this stage?). Keep its data under another --stage, or remove it: \
                 aws dynamodb update-table --table-name {table} --no-deletion-protection-enabled \
                 && aws dynamodb delete-table --table-name {table}"
            );
        }
    }
    Ok(())
}

/// Asks the person at the terminal; without one, the answer is no.
fn ask(question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_cognito_refuses_are_refused_first() {
        for good in ["board", "my-board-7f3a", "b", &"a".repeat(63)] {
            assert!(check_prefix(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Board",
            "-board",
            "board-",
            "my_board",
            "my.board",
            &"a".repeat(64),
            "my-aws-board",
            "amazonboard",
            "board-cognito",
        ] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
    }
}
