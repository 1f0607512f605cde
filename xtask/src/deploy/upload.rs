//! The app to its bucket without a broken minute for anyone reading the board.
//!
//! The order: the new release's hashed files (nothing refers to them yet), then
//! `config.json`, then, when the start-up script changed, a wait until every
//! CloudFront edge serves the CSP that allows it (`sam deploy` returns when CloudFront
//! accepted the new headers policy, minutes before every edge has it; a new page under
//! the old CSP would be blank), then `index.html` (from here on new visitors get the
//! new release), then the CloudFront invalidation, and only then the removal of old
//! files, keeping those the release before needs: a visitor who loaded its
//! `index.html` a moment ago still gets every script it asks for.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::cli::Cli;
use crate::app::{BROTLI_SUFFIX, referenced_files};

/// Hashed files never change under one name: a year, immutable.
const LONG: &str = "public,max-age=31536000,immutable";
/// The files every release changes under the same name: caches ask again each time.
const UNHASHED: [&str; 2] = ["config.json", "index.html"];
const NO_CACHE: &str = "no-cache";

/// The Cache-Control a file of the build is uploaded with (the local CloudFront
/// stand-in answers with the same).
pub fn cache_control(file: &str) -> &'static str {
    if UNHASHED.contains(&file) {
        NO_CACHE
    } else {
        LONG
    }
}

pub fn upload(
    cli: &Cli,
    dist: &Path,
    bucket: &str,
    distribution: &str,
    csp_changed: bool,
) -> Result<()> {
    let target = format!("s3://{bucket}/");
    let dir = format!("{}/", dist.display());
    // A dry run may have no build to look at.
    let new_files = if cli.dry_run && !dist.exists() {
        Vec::new()
    } else {
        files(dist)?
    };
    // What the release now live needs; read before anything changes. Only a bucket
    // without an index.html has no release live: any other failure (access denied,
    // throttling) stops here, since the cleanup below would remove the live files.
    let previous =
        match cli.text_or_failure(&["aws", "s3", "cp", &format!("{target}index.html"), "-"])? {
            None => Vec::new(),
            Some(Ok(html)) => referenced_files(&html),
            Some(Err(stderr)) if not_found(&stderr) => Vec::new(),
            Some(Err(stderr)) => {
                bail!("cannot read the live {target}index.html, so which files it needs: {stderr}")
            }
        };

    let mut sync = vec!["aws", "s3", "sync", &dir, &target];
    for file in UNHASHED {
        sync.extend(["--exclude", file]);
    }
    sync.extend(["--exclude", "*.br", "--cache-control", LONG]);
    cli.run(&sync)?;
    // The brotli copies, with the encoding CloudFront passes on to the browser.
    for packed in new_files.iter().filter(|f| f.ends_with(BROTLI_SUFFIX)) {
        let from = format!("{dir}{packed}");
        let to = format!("{target}{packed}");
        let mut cp = vec!["aws", "s3", "cp", &from, &to, "--content-encoding", "br"];
        cp.extend([
            "--content-type",
            "application/wasm",
            "--cache-control",
            LONG,
        ]);
        cli.run(&cp)?;
    }
    for file in UNHASHED {
        if file == "index.html" && csp_changed {
            cli.say(
                "the start-up script changed: wait until every CloudFront edge has the CSP \
                 that allows it (usually a few minutes)",
            );
            cli.run(&[
                "aws",
                "cloudfront",
                "wait",
                "distribution-deployed",
                "--id",
                distribution,
            ])?;
        }
        let from = format!("{dir}{file}");
        let to = format!("{target}{file}");
        cli.run(&["aws", "s3", "cp", &from, &to, "--cache-control", NO_CACHE])?;
    }
    cli.run(&[
        "aws",
        "cloudfront",
        "create-invalidation",
        "--distribution-id",
        distribution,
        "--paths",
        "/",
        "/index.html",
        "/config.json",
    ])?;

    // Older releases go; this one and the one before stay.
    let mut keep: BTreeSet<String> = new_files.into_iter().collect();
    for file in previous {
        keep.insert(format!("{file}{BROTLI_SUFFIX}"));
        keep.insert(file);
    }
    let listed = cli.query_ok(&[
        "aws",
        "s3api",
        "list-objects-v2",
        "--bucket",
        bucket,
        "--query",
        "Contents[].Key",
    ])?;
    let Some(listed) = listed else {
        cli.say("remove files of older releases (none on a dry run)");
        return Ok(());
    };
    let keys: Vec<String> = match listed {
        serde_json::Value::Null => Vec::new(),
        value => serde_json::from_value(value).context("the bucket's keys")?,
    };
    for key in keys.iter().filter(|k| !keep.contains(*k)) {
        cli.run(&["aws", "s3", "rm", &format!("{target}{key}")])?;
    }
    Ok(())
}

/// The names of the files in `dist`.
fn files(dist: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dist).with_context(|| format!("reading {}", dist.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Whether S3's error says the object is not there (and nothing else).
fn not_found(stderr: &str) -> bool {
    stderr.contains("(404)") || stderr.contains("(NoSuchKey)")
}
