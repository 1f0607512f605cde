//! `cargo xtask deploy --dry-run`: every step printed, nothing remote touched, and
//! `config.json` written from a stack-outputs file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn a_dry_run_writes_the_apps_config_from_the_stack_outputs_and_prints_every_step() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out_dir = std::env::temp_dir().join(format!("deploy-dry-run-{}", std::process::id()));
    let config = out_dir.join("config.json");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root)
        .args([
            "deploy",
            "--stage",
            "test",
            "--auth-domain-prefix",
            "board-test",
            "--dry-run",
        ])
        .arg("--outputs")
        .arg(root.join("infra/sample-outputs.json"))
        .arg("--config-out")
        .arg(&config)
        // No tool may run: an empty PATH makes any attempt fail.
        .env("PATH", "")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(
        written,
        serde_json::json!({
            "api_base": "/api",
            "auth_domain": "https://board-test.auth.eu-west-1.amazoncognito.com",
            "client_id": "4k2j3h4g5f6d7s8a9p0o1i2u3y",
            "redirect_uri": "https://d1234abcd.cloudfront.net/",
            "logout_uri": "https://d1234abcd.cloudfront.net/",
            "scopes": ["openid", "email", "profile"],
        })
    );
    for step in [
        "trunk build --release --offline",
        "sam build --template-file infra/template.yaml --beta-features",
        "sam deploy --stack-name board-test",
        "StageName=test AuthDomainPrefix=board-test",
        "aws s3 sync dist/ s3://board-test-sitebucket-1a2b3c4d5e6f/ --delete --exclude index.html --exclude config.json --cache-control public,max-age=31536000,immutable",
        "aws s3 cp dist/index.html s3://board-test-sitebucket-1a2b3c4d5e6f/index.html --cache-control no-cache",
        "aws s3 cp dist/config.json s3://board-test-sitebucket-1a2b3c4d5e6f/config.json --cache-control no-cache",
        "aws cloudfront create-invalidation --distribution-id E2ABCDEF123456",
        "the board is at https://d1234abcd.cloudfront.net/",
    ] {
        assert!(stdout.contains(step), "missing step {step:?} in:\n{stdout}");
    }
    let _ = std::fs::remove_dir_all(out_dir);
}
