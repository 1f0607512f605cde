//! The first load: what a browser downloads before the app can run, raw and compressed.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

#[derive(Serialize)]
pub struct FileSize {
    pub file: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

#[derive(Serialize)]
pub struct FirstLoad {
    pub files: Vec<FileSize>,
    /// What a browser fetches for the first page: html, js, wasm, css, config.
    pub total: FileSize,
}

pub(super) fn sizes(name: String, bytes: &[u8]) -> Result<FileSize> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    let gzip = gz.finish()?.len() as u64;
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut br, &params)?;
    Ok(FileSize {
        file: name,
        raw: bytes.len() as u64,
        gzip,
        brotli: br.len() as u64,
    })
}

pub(super) fn first_load(dist: &Path) -> Result<FirstLoad> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dist).context("dist/ (run the app's build)")? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // A precompressed copy is another encoding of a file counted already.
        if name.ends_with(crate::app::BROTLI_SUFFIX) {
            continue;
        }
        files.push(sizes(name, &std::fs::read(&path)?)?);
    }
    files.sort_by_key(|f| std::cmp::Reverse(f.raw));
    let first_page = |f: &&FileSize| {
        f.file == "index.html"
            || f.file == "config.json"
            || [".js", ".wasm", ".css"]
                .iter()
                .any(|ext| f.file.ends_with(ext))
    };
    let total = files.iter().filter(first_page).fold(
        FileSize {
            file: "first page".to_owned(),
            raw: 0,
            gzip: 0,
            brotli: 0,
        },
        |acc, f| FileSize {
            raw: acc.raw + f.raw,
            gzip: acc.gzip + f.gzip,
            brotli: acc.brotli + f.brotli,
            ..acc
        },
    );
    Ok(FirstLoad { files, total })
}
