//! The Lambda package: the release binary and its zip.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
pub struct Package {
    pub target: String,
    pub binary_bytes: u64,
    pub zip_bytes: u64,
}

pub(super) fn package(binary: &Path) -> Result<Package> {
    let bytes = std::fs::read(binary)?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .unix_permissions(0o755);
    zip.start_file("bootstrap", options)?;
    zip.write_all(&bytes)?;
    let zipped = zip.finish()?.into_inner();
    Ok(Package {
        target: format!(
            "{}-{} (release, stripped)",
            std::env::consts::ARCH,
            std::env::consts::OS
        ),
        binary_bytes: bytes.len() as u64,
        zip_bytes: zipped.len() as u64,
    })
}
