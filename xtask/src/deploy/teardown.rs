//! `cargo xtask teardown --stage NAME [--delete-data] --yes`: a deployed board, gone.
//!
//! 1. The site bucket is emptied, every version and delete marker of it (it is
//!    versioned, and CloudFormation deletes only an empty bucket), however many there
//!    are and also when there are none.
//! 2. The stack is deleted, and the command waits until it is; then the per-address
//!    limit's stack in us-east-1, if there is one.
//! 3. The tables and the user pool outlive the stack (`RetainExceptOnCreate`): people's
//!    posts and accounts are not lost with a stack. Only `--delete-data` removes them,
//!    deletion protection first; also after an earlier teardown that kept them.
//!
//! Without `--yes` it prints every step and removes nothing.

use anyhow::{Result, bail};
use serde_json::{Value, json};

use super::cli::{Answer, Cli};
use super::preflight::{self, Described};

#[derive(clap::Args)]
pub struct TeardownOptions {
    /// The deployment to remove: stack board-STAGE.
    #[arg(long)]
    pub stage: String,
    #[arg(long)]
    pub region: Option<String>,
    /// Also delete the tables and the user pool (every post, name and account), for
    /// good: a new pool means new account ids, so nothing could be reattached.
    #[arg(long)]
    pub delete_data: bool,
    /// Remove for real; without it, every step is printed and nothing changes.
    #[arg(long)]
    pub yes: bool,
}

/// DynamoDB's and S3's most keys in one delete.
const BATCH: usize = 1000;

pub fn run(root: &std::path::Path, options: TeardownOptions) -> Result<()> {
    let stack = format!("board-{}", options.stage);
    let cli = Cli::new(root, !options.yes, options.region.as_deref());
    if cli.dry_run {
        cli.say("without --yes: every step is printed, nothing is removed");
    }
    let region = preflight::account(&cli)?;
    let described = preflight::describe(&cli, &stack)?;
    let output = |key: &str| match &described {
        Described::Found { existing, .. } => existing.outputs.get(key).cloned(),
        Described::DryRun => Some(format!("<{key}>")),
        Described::Missing => None,
    };
    let (tables, pool) = if let Described::Missing = described {
        // Gone already: the data has the names the stack gave it.
        cli.say(&format!("stack {stack} does not exist (any more)"));
        let tables: Vec<String> = super::tables::named(&stack).map(|(_, name)| name).collect();
        (tables, pool_named(&cli, &stack)?)
    } else {
        (
            super::tables::TABLES
                .iter()
                .filter_map(|table| output(table.output))
                .collect(),
            output("UserPoolId"),
        )
    };

    if !matches!(described, Described::Missing) {
        if let Some(bucket) = output("SiteBucketName") {
            empty_bucket(&cli, &bucket)?;
        }
        cli.run(&[
            "aws",
            "cloudformation",
            "delete-stack",
            "--stack-name",
            &stack,
        ])?;
        cli.run(&[
            "aws",
            "cloudformation",
            "wait",
            "stack-delete-complete",
            "--stack-name",
            &stack,
        ])?;
    }
    // Also after an earlier teardown that stopped before it.
    let edge = Cli::new(root, cli.dry_run, Some(super::limit::EDGE_REGION));
    super::limit::remove(&edge, &stack, &region)?;

    if !options.delete_data {
        cli.say(&format!(
            "kept: the tables {} and the user pool {}, with every post, name and account \
             (--delete-data removes them; a new deploy of this stage needs them gone or \
             imported into its stack, docs/deploy.md)",
            tables.join(", "),
            pool.as_deref().unwrap_or("(none found)"),
        ));
        return finish(&cli, &stack);
    }
    for table in &tables {
        if !cli.dry_run
            && !exists(
                &cli,
                &["aws", "dynamodb", "describe-table", "--table-name", table],
            )?
        {
            cli.say(&format!("table {table}: already gone"));
            continue;
        }
        cli.run(&[
            "aws",
            "dynamodb",
            "update-table",
            "--table-name",
            table,
            "--no-deletion-protection-enabled",
        ])?;
        cli.run(&["aws", "dynamodb", "delete-table", "--table-name", table])?;
    }
    match &pool {
        Some(pool) => {
            cli.run(&[
                "aws",
                "cognito-idp",
                "update-user-pool",
                "--user-pool-id",
                pool,
                "--deletion-protection",
                "INACTIVE",
            ])?;
            cli.run(&[
                "aws",
                "cognito-idp",
                "delete-user-pool",
                "--user-pool-id",
                pool,
            ])?;
        }
        None => cli.say(&format!("user pool {stack}: none found")),
    }
    finish(&cli, &stack)
}

fn finish(cli: &Cli, stack: &str) -> Result<()> {
    if cli.dry_run {
        println!("teardown: nothing was removed; run again with --yes to remove {stack}");
    } else {
        println!("teardown: {stack} is gone");
    }
    Ok(())
}

/// The pool the stack named `name` (`board-STAGE`), found by its name.
fn pool_named(cli: &Cli, name: &str) -> Result<Option<String>> {
    let Some(listed) = cli.query_ok(&[
        "aws",
        "cognito-idp",
        "list-user-pools",
        "--max-results",
        "60",
    ])?
    else {
        return Ok(Some(format!("<the user pool named {name}>")));
    };
    let ids: Vec<&str> = listed["UserPools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["Name"] == name)
        .filter_map(|p| p["Id"].as_str())
        .collect();
    match ids.as_slice() {
        [] => Ok(None),
        [id] => Ok(Some((*id).to_owned())),
        _ => bail!(
            "several user pools are named {name} ({}); remove the right one by hand",
            ids.join(", ")
        ),
    }
}

/// Whether a read-only call succeeds (the thing it describes exists).
fn exists(cli: &Cli, args: &[&str]) -> Result<bool> {
    Ok(matches!(cli.query(args)?, Some(Answer::Ok(_))))
}

/// Deletes every version and delete marker in `bucket`, a thousand at a time, until a
/// listing finds none.
fn empty_bucket(cli: &Cli, bucket: &str) -> Result<()> {
    let mut previous: Option<Vec<Value>> = None;
    loop {
        let listed = match cli.query(&[
            "aws",
            "s3api",
            "list-object-versions",
            "--bucket",
            bucket,
            "--max-items",
            &BATCH.to_string(),
        ])? {
            None => {
                cli.say(&format!(
                    "delete every version and delete marker in {bucket}, {BATCH} at a time"
                ));
                return Ok(());
            }
            Some(Answer::Failed(stderr)) if stderr.contains("NoSuchBucket") => {
                cli.say(&format!("bucket {bucket}: already gone"));
                return Ok(());
            }
            Some(Answer::Failed(stderr)) => bail!("cannot list {bucket}: {stderr}"),
            Some(Answer::Ok(value)) => value,
        };
        let objects = versions(&listed);
        if objects.is_empty() {
            cli.say(&format!("bucket {bucket} is empty"));
            return Ok(());
        }
        if previous.as_ref() == Some(&objects) {
            bail!("S3 kept the same versions in {bucket} after deleting them: see its policy");
        }
        let delete = json!({ "Objects": objects, "Quiet": true }).to_string();
        cli.run(&[
            "aws",
            "s3api",
            "delete-objects",
            "--bucket",
            bucket,
            "--delete",
            &delete,
        ])?;
        previous = Some(objects);
    }
}

/// The `{Key, VersionId}` of every version and delete marker in one listing.
fn versions(listed: &Value) -> Vec<Value> {
    ["Versions", "DeleteMarkers"]
        .iter()
        .flat_map(|list| listed[*list].as_array().into_iter().flatten())
        .filter_map(|v| {
            Some(json!({ "Key": v["Key"].as_str()?, "VersionId": v["VersionId"].as_str()? }))
        })
        .take(BATCH)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_gives_both_versions_and_delete_markers_to_delete() {
        let listed = json!({
            "Versions": [
                {"Key": "index.html", "VersionId": "v2", "IsLatest": true},
                {"Key": "index.html", "VersionId": "v1", "IsLatest": false},
            ],
            "DeleteMarkers": [{"Key": "old.js", "VersionId": "m1"}],
        });
        assert_eq!(
            versions(&listed),
            [
                json!({"Key": "index.html", "VersionId": "v2"}),
                json!({"Key": "index.html", "VersionId": "v1"}),
                json!({"Key": "old.js", "VersionId": "m1"}),
            ]
        );
        assert!(
            versions(&json!({})).is_empty(),
            "an empty bucket lists neither"
        );
    }
}
