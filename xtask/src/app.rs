//! The browser app as it ships: its release build, and the hash of the start-up script
//! Trunk inlines in `index.html`, which the deployed CSP must name. Used by `test`,
//! `bench`, `deploy` and the local CloudFront stand-in alike.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::setup::{run_cmd, tool_path};

/// `trunk build --release --offline` into `dist/`, with the pinned tools on PATH.
pub fn build(root: &Path) -> Result<()> {
    run_cmd(
        Command::new("trunk")
            .current_dir(root)
            .args(["build", "--release", "--offline"])
            .env("PATH", tool_path(root)),
    )
}

/// The CSP source (`sha256-...`) for the inline `<script>` Trunk puts in index.html.
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

/// The files an `index.html` loads from its own origin (`/frontend-abc.js`,
/// `/frontend-abc_bg.wasm`, `/style-abc.css`, ...): what a visitor holding that page
/// still needs.
pub fn referenced_files(html: &str) -> Vec<String> {
    let mut files = Vec::new();
    for quote in ['"', '\''] {
        for part in html.split(quote).skip(1).step_by(2) {
            let Some(path) = part.strip_prefix('/') else {
                continue;
            };
            let path = path.split(['?', '#']).next().unwrap_or_default();
            if !path.is_empty()
                && !path.starts_with('/')
                && path.contains('.')
                && !path.contains(['<', '>', ' ', '\\'])
                && !files.iter().any(|f| f == path)
            {
                files.push(path.to_owned());
            }
        }
    }
    files.sort();
    files
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

    #[test]
    fn the_files_a_page_loads_are_found() {
        let html = r#"<link rel="modulepreload" href="/frontend-1a.js" crossorigin=anonymous>
<link rel="preload" href="/frontend-1a_bg.wasm" as="fetch" type="application/wasm">
<link rel="stylesheet" href="/style-2b.css">
<script type="module">import init, * as bindings from '/frontend-1a.js';
const wasm = await init({ module_or_path: '/frontend-1a_bg.wasm' });</script>
<a href="https://example.com/x.js">elsewhere</a> <a href="/">home</a>"#;
        assert_eq!(
            referenced_files(html),
            ["frontend-1a.js", "frontend-1a_bg.wasm", "style-2b.css"]
        );
    }
}
