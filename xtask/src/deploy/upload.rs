//! The app to its bucket without a broken minute for anyone reading the board.
//!
//! The order: the new release's hashed files (nothing refers to them yet), then
//! `config.json`, then `index.html` (from here on new visitors get the new release),
//! then the CloudFront invalidation, and only then the removal of old files, keeping
//! those the release before needs: a visitor who loaded its `index.html` a moment ago
//! still gets every script it asks for.

use std::path::Path;

use anyhow::Result;

use super::cli::Cli;
use crate::app::referenced_files;

/// Hashed files never change under one name: a year, immutable.
const LONG: &str = "public,max-age=31536000,immutable";

pub fn upload(cli: &Cli, dist: &Path, bucket: &str, distribution: &str) -> Result<()> {
    let target = format!("s3://{bucket}/");
    let dist = format!("{}/", dist.display());
    // What the release now live needs; read before anything changes.
    let previous = cli
        .text(&["aws", "s3", "cp", &format!("{target}index.html"), "-"])?
        .map(|html| referenced_files(&html))
        .unwrap_or_default();

    let mut sync = vec!["aws", "s3", "sync", &dist, &target];
    sync.extend(["--exclude", "index.html", "--exclude", "config.json"]);
    sync.extend(["--cache-control", LONG]);
    cli.run(&sync)?;
    for file in ["config.json", "index.html"] {
        let from = format!("{dist}{file}");
        let to = format!("{target}{file}");
        cli.run(&["aws", "s3", "cp", &from, &to, "--cache-control", "no-cache"])?;
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
    let mut prune = sync.clone();
    prune.push("--delete");
    for file in &previous {
        prune.extend(["--exclude", file]);
    }
    cli.run(&prune)
}
