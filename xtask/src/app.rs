//! The browser app as it ships: its release build, and the hash of the start-up script
//! Trunk inlines in `index.html`, which the deployed CSP must name. Used by `test`,
//! `bench`, `deploy` and the local CloudFront stand-in alike.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256, Sha384};

use crate::process::{run_cmd, tool_path};

/// `trunk build --release --offline` into `dist/`, with the pinned tools on PATH, the
/// WebAssembly loader minified, the module without custom sections, and the brotli
/// copy of the module beside it.
pub fn build(root: &Path) -> Result<()> {
    run_cmd(
        Command::new("trunk")
            .current_dir(root)
            .args(["build", "--release", "--offline"])
            .env("PATH", tool_path(root)),
    )?;
    let dist = root.join("dist");
    let index = dist.join("index.html");
    let mut html = std::fs::read_to_string(&index).context("reading dist/index.html")?;
    for entry in std::fs::read_dir(&dist)? {
        let module = entry?.path();
        let Some(stem) = module
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix("_bg.wasm"))
        else {
            continue;
        };
        // The loader wasm-bindgen writes beside the module (`frontend-abc.js` for
        // `frontend-abc_bg.wasm`).
        let loader = dist.join(format!("{stem}.js"));
        html = rewrite(&html, &loader, |path| minify_loader(root, path))?;
        html = rewrite(&html, &module, |path| {
            let stripped = without_custom_sections(&std::fs::read(path)?)?;
            Ok(std::fs::write(path, stripped)?)
        })?;
    }
    std::fs::write(&index, html)?;
    precompress(&dist)?;
    Ok(())
}

/// Changes the file at `path` with `change` and returns `html` naming its new hash
/// wherever it named the old one (`integrity` attributes).
fn rewrite(html: &str, path: &Path, change: impl FnOnce(&Path) -> Result<()>) -> Result<String> {
    let before = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    change(path)?;
    let after = std::fs::read(path)?;
    with_new_integrity(html, &before, &after)
        .with_context(|| format!("the integrity of {}", path.display()))
}

/// Minifies the JavaScript loader at `path` in place with terser (package.json).
/// Trunk's own minifier cannot parse this loader (it warns and ships it whole: 55 kB,
/// 7.9 kB brotli); minified it is 25 kB and 6.1 kB.
fn minify_loader(root: &Path, path: &Path) -> Result<()> {
    run_cmd(
        Command::new(root.join("node_modules/.bin/terser"))
            .arg(path)
            .args(["--module", "--compress", "--mangle", "--output"])
            .arg(path),
    )
}

/// `module` without its custom sections. Browsers ignore them, and the app's module
/// carries three nobody reads: `producers` (the versions of the compiler and of
/// wasm-bindgen, which only help to fingerprint the site), `target_features`, and
/// `__wasm_split_unstable` (a marker for Leptos's code splitting, which the app does
/// not use): 0.3 kB, 0.15 kB of it after brotli.
fn without_custom_sections(module: &[u8]) -> Result<Vec<u8>> {
    let mut stripped = wasm_encoder::Module::new();
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        let payload = payload.context("the WebAssembly module does not parse")?;
        if let wasmparser::Payload::Version { encoding, .. } = payload
            && encoding != wasmparser::Encoding::Module
        {
            bail!("a WebAssembly component, not a module");
        }
        if let Some((id, range)) = payload.as_section()
            && id != CUSTOM_SECTION
        {
            stripped.section(&wasm_encoder::RawSection {
                id,
                data: &module[range],
            });
        }
    }
    Ok(stripped.finish())
}

/// The id of a custom section in the WebAssembly binary format.
const CUSTOM_SECTION: u8 = 0;

/// `html` with the subresource-integrity hash of `before` replaced by that of `after`
/// wherever it appears (Trunk writes sha384).
fn with_new_integrity(html: &str, before: &[u8], after: &[u8]) -> Result<String> {
    let sri = |bytes: &[u8]| format!("sha384-{}", STANDARD.encode(Sha384::digest(bytes)));
    let old = sri(before);
    if !html.contains(&old) {
        bail!("index.html does not name {old}");
    }
    Ok(html.replace(&old, &sri(after)))
}

/// The suffix of a file's precompressed copy.
pub const BROTLI_SUFFIX: &str = ".br";

/// Writes `x.wasm.br` beside each `x.wasm` in `dist` (brotli at its best): CloudFront
/// compresses text but not `application/wasm`, so the deploy uploads this copy with
/// `Content-Encoding: br` and the site's CloudFront Function hands it to browsers
/// that accept brotli. Returns the copies' names.
pub fn precompress(dist: &Path) -> Result<Vec<String>> {
    let mut written = Vec::new();
    for entry in std::fs::read_dir(dist).with_context(|| format!("reading {}", dist.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            let raw = std::fs::read(&path)?;
            let mut packed = Vec::new();
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 24,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut raw.as_slice(), &mut packed, &params)?;
            let name = format!(
                "{}{BROTLI_SUFFIX}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            std::fs::write(dist.join(&name), packed)?;
            written.push(name);
        }
    }
    written.sort();
    Ok(written)
}

/// The CSP source (`sha256-...`) for the inline `<script>` Trunk puts in index.html.
/// Scripts loaded from a file (`<script src=...>`) are covered by `'self'` instead.
pub fn inline_script_hash(html: &str) -> Result<String> {
    let digest = Sha256::digest(html[inline_script(html)?].as_bytes());
    Ok(format!("sha256-{}", STANDARD.encode(digest)))
}

/// Where the text of index.html's one inline `<script>` lies (the CSP names exactly
/// one).
pub fn inline_script(html: &str) -> Result<std::ops::Range<usize>> {
    let mut inline = Vec::new();
    let mut at = 0;
    while let Some(start) = html[at..].find("<script").map(|i| i + at) {
        let open_end = html[start..].find('>').context("unterminated <script>")? + start + 1;
        let close = html[open_end..]
            .find("</script>")
            .context("unterminated <script>")?
            + open_end;
        if !html[start..open_end].contains(" src=") {
            inline.push(open_end..close);
        }
        at = close;
    }
    match inline.as_slice() {
        [] => bail!("index.html has no inline script"),
        [script] => Ok(script.clone()),
        _ => bail!("index.html has more than one inline script; the CSP names one"),
    }
}

/// The files an `index.html` loads from its own origin (`/frontend-abc.js`,
/// `/frontend-abc_bg.wasm`, `/style-abc.css`, ...): what a visitor holding that page
/// still needs.
pub fn referenced_files(html: &str) -> Vec<String> {
    let mut files = Vec::new();
    let quoted = ['"', '\'']
        .into_iter()
        .flat_map(|quote| html.split(quote).skip(1).step_by(2));
    // A minified page writes attribute values without quotes: `src=/start-abc.js`.
    let unquoted = html
        .split('=')
        .skip(1)
        .filter(|value| !value.starts_with(['"', '\'']))
        .filter_map(|value| {
            value
                .split(|c: char| c.is_ascii_whitespace() || c == '>')
                .next()
        });
    for part in quoted.chain(unquoted) {
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
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minified_loader_is_named_by_its_new_integrity_hash() {
        let sri = |b: &[u8]| format!("sha384-{}", STANDARD.encode(Sha384::digest(b)));
        let html = format!(
            "<link href=/a.js integrity={} rel=modulepreload><link href=/b.css integrity={}>",
            sri(b"long  loader"),
            sri(b"css")
        );
        let updated = with_new_integrity(&html, b"long  loader", b"loader").unwrap();
        assert_eq!(
            updated,
            format!(
                "<link href=/a.js integrity={} rel=modulepreload><link href=/b.css integrity={}>",
                sri(b"loader"),
                sri(b"css")
            )
        );
        // A page that does not name the loader's hash is an error, not a silent pass.
        assert!(with_new_integrity(&html, b"other", b"x").is_err());
    }

    /// A module of one function, with a custom section before it and after it when
    /// `custom` is true.
    fn module(custom: bool) -> Vec<u8> {
        use wasm_encoder::{
            CodeSection, CustomSection, Function, FunctionSection, Module, TypeSection,
        };
        let producers = CustomSection {
            name: "producers".into(),
            data: b"rustc 1.0".into(),
        };
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        module.section(&types);
        if custom {
            module.section(&producers);
        }
        let mut functions = FunctionSection::new();
        functions.function(0);
        module.section(&functions);
        let mut code = CodeSection::new();
        let mut body = Function::new([]);
        body.instructions().end();
        code.function(&body);
        module.section(&code);
        if custom {
            module.section(&producers);
        }
        module.finish()
    }

    #[test]
    fn a_module_loses_its_custom_sections_and_keeps_every_other_byte() {
        let with = module(true);
        let without = module(false);
        assert!(with.len() > without.len());
        assert_eq!(without_custom_sections(&with).unwrap(), without);
        assert_eq!(without_custom_sections(&without).unwrap(), without);
        // What is not a module is an error, not an empty module.
        assert!(without_custom_sections(b"<!doctype html>").is_err());
        assert!(without_custom_sections(&with[..with.len() - 3]).is_err());
    }

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
        // A script from a file is no inline script.
        let with_file = "<script async src=/start-1.js></script><script type=module>x</script>";
        let expected = STANDARD.encode(Sha256::digest(b"x"));
        assert_eq!(
            inline_script_hash(with_file).unwrap(),
            format!("sha256-{expected}")
        );
    }

    #[test]
    fn each_webassembly_module_gets_a_brotli_copy_that_unpacks_to_it() {
        let dir = std::env::temp_dir().join(format!("precompress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let module: Vec<u8> = (0..20_000u32)
            .flat_map(|i| (i % 97).to_le_bytes())
            .collect();
        std::fs::write(dir.join("frontend-1a_bg.wasm"), &module).unwrap();
        std::fs::write(dir.join("frontend-1a.js"), "js").unwrap();
        assert_eq!(precompress(&dir).unwrap(), ["frontend-1a_bg.wasm.br"]);
        let packed = std::fs::read(dir.join("frontend-1a_bg.wasm.br")).unwrap();
        assert!(packed.len() < module.len() / 4);
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(&mut packed.as_slice(), &mut unpacked).unwrap();
        assert_eq!(unpacked, module);
        let _ = std::fs::remove_dir_all(dir);
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
        // As Trunk's release build minifies it: attribute values without quotes.
        let minified = "<link href=/config.json rel=preload><script async integrity=sha384-x \
            src=/start-3c.js></script><link href=/style-2b.css rel=stylesheet><script \
            type=module>import init from '/frontend-1a.js';</script><a href=/>home</a>";
        assert_eq!(
            referenced_files(minified),
            [
                "config.json",
                "frontend-1a.js",
                "start-3c.js",
                "style-2b.css"
            ]
        );
    }
}
