//! The Lambda package: the release binary and its zip, for this machine and as Lambda
//! gets it (arm64, built by the deploy's own cargo-lambda with Zig).

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

/// The function as the deploy builds it: `cargo lambda build --release --arm64` with
/// the deploy's pinned tools; its package.
pub(super) fn arm64(root: &Path) -> Result<Package> {
    crate::process::run_cmd(
        std::process::Command::new("cargo")
            .current_dir(root)
            .args([
                "lambda",
                "build",
                "--release",
                "--arm64",
                "--bin",
                "backend",
            ])
            .env("PATH", crate::setup::deploy_tools_path(root)),
    )?;
    let mut package = package(&root.join("target/lambda/backend/bootstrap"))?;
    package.target = "aarch64-linux, as Lambda gets it (cargo lambda, release)".to_owned();
    Ok(package)
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
