//! What the browser tests' release rehearsal (`e2e/release.test.mjs`) needs, in
//! `target/edge/release`: the built app as release A (`dist-a`, and `bucket`, the copy
//! the rehearsal serves and uploads into), a release B whose start-up script differs
//! (`dist-b`), the CloudFront stand-in's configuration for A serving from `bucket`
//! (`a.json`), and the response headers of B's stack update (`b-policy.json`: B's
//! script hash, with A's as the previous one, as the deploy sets them).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::edge;
use crate::outputs::Grant;
use crate::stack::{RunningStack, config_path};

pub fn prepare(root: &Path, stack: &RunningStack) -> Result<PathBuf> {
    let dir = root.join("target/edge/release");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let dist = root.join("dist");
    for copy in ["dist-a", "dist-b", "bucket"] {
        copy_dir(&dist, &dir.join(copy))?;
    }
    let index_b = dir.join("dist-b/index.html");
    let html = std::fs::read_to_string(&index_b)?;
    std::fs::write(&index_b, another_release(&html)?)?;

    let template = edge::template(root)?;
    let (hash_a, hash_b) = (
        edge::script_hash(&dist)?,
        edge::script_hash(&dir.join("dist-b"))?,
    );
    let bucket = dir.join("bucket");
    let config_json = config_path(root, Grant::Implicit);
    let local = edge::Local {
        dist: &bucket,
        config_json: &config_json,
        api_url: &stack.api_url,
        auth_url: &stack.auth_url,
        grant: Grant::Implicit,
        origin_secret: stack.origin_secret.as_deref().unwrap_or_default(),
    };
    let a = edge::config(&template, &hash_a, None, &local)?;
    std::fs::write(dir.join("a.json"), serde_json::to_string_pretty(&a)?)?;
    let b = edge::config(&template, &hash_b, Some(&hash_a), &local)?;
    std::fs::write(
        dir.join("b-policy.json"),
        serde_json::to_string_pretty(&b["headers"])?,
    )?;
    Ok(dir)
}

/// `html` with its inline start-up script changed (a comment at its start): the same
/// app under another script hash.
fn another_release(html: &str) -> Result<String> {
    let at = crate::app::inline_script(html)?.start;
    Ok(format!(
        "{}/* another release */{}",
        &html[..at],
        &html[at..]
    ))
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_release_changes_only_the_inline_scripts_hash() {
        let html = r#"<script src="/x.js"></script><script type="module">import init from '/a.js';</script>"#;
        let changed = another_release(html).unwrap();
        assert_ne!(
            crate::app::inline_script_hash(html).unwrap(),
            crate::app::inline_script_hash(&changed).unwrap()
        );
        assert_eq!(
            crate::app::referenced_files(html),
            crate::app::referenced_files(&changed)
        );
    }
}
