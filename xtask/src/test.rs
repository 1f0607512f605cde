//! `cargo xtask test`: every check and test the project has, against a fresh DynamoDB
//! Local and moto.

use std::path::Path;
use std::process::Command;

use anyhow::Result;
use backend::config::Quota;

use crate::outputs::Grant;
use crate::process::{cargo, run_cmd};
use crate::services::Services;
use crate::setup::{self, chromium_path};
use crate::stack::{
    AppServer, DEMO_MODERATOR_EMAIL, DEMO_MODERATOR_PASSWORD, Ports, RunningStack, StackOptions,
};

pub fn run(root: &Path) -> Result<()> {
    setup::run(root)?;

    println!("test: formatting");
    run_cmd(cargo().current_dir(root).args(["fmt", "--all", "--check"]))?;
    println!("test: lints");
    run_cmd(cargo().current_dir(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ]))?;

    println!("test: the deploy templates (cfn-lint, checkov)");
    let venv_bin = root.join(setup::VENV).join("bin");
    for template in ["infra/template.yaml", "infra/waf.yaml"] {
        run_cmd(
            Command::new(venv_bin.join("cfn-lint"))
                .current_dir(root)
                .arg(template),
        )?;
        run_cmd(
            Command::new(venv_bin.join("checkov"))
                .current_dir(root)
                .args(["--file", template, "--config-file", "infra/checkov.yaml"]),
        )?;
    }

    // Dropping the services stops them, whether the tests pass or fail.
    let services = Services::start(root)?;
    println!(
        "test: DynamoDB Local at {}, moto at {}",
        services.dynamodb.endpoint, services.moto.endpoint
    );
    run_cmd(
        cargo()
            .current_dir(root)
            .args(["test", "--workspace", "--all-targets"])
            .env("MOTO_ENDPOINT", &services.moto.endpoint)
            .env("DYNAMODB_ENDPOINT", &services.dynamodb.endpoint),
    )?;
    println!("test: Schemathesis against the API's OpenAPI description (quick, seeded)");
    crate::fuzz::against(root, &services, crate::fuzz::Budget::Quick)?;
    println!("test: the app's release build (trunk, offline)");
    crate::app::build(root)?;
    drop(services);

    println!("test: browser tests (Chromium) against the local stack");
    browser_tests(root)?;

    println!("test: benchmarks, one quick run of each so they keep working");
    crate::bench::measure(root, true)?;
    // After the benchmarks, whose arm64 build it reuses (`cargo xtask build-function
    // --clean` is the full build).
    println!("test: the functions built as the deploy builds them (sam build, arm64)");
    crate::deploy::build::run(root, false)?;
    println!("test: all passed");
    Ok(())
}

/// The browser suite's files, `e2e/*.test.mjs`, named one by one: Node's test runner
/// takes files (a directory is refused by newer Node versions, and globs only by them).
fn suite_files(root: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(root.join("e2e"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".test.mjs"))
        })
        .collect();
    files.sort();
    anyhow::ensure!(!files.is_empty(), "no browser tests in e2e/");
    Ok(files)
}

/// Writes per person and minute in the browser tests' stack.
const E2E_WRITES_PER_MINUTE: u32 = 30;

/// The e2e suite in real Chromium, against a stack started as `dev` starts it (on free
/// ports, with the release build of the app).
fn browser_tests(root: &Path) -> Result<()> {
    let dir = root.join("target/e2e");
    std::fs::create_dir_all(&dir)?;
    let mailbox = dir.join("mailbox.txt");
    std::fs::write(&mailbox, "")?;
    let artifacts = root.join("e2e/artifacts");
    let _ = std::fs::remove_dir_all(&artifacts);
    let options = StackOptions {
        ports: Ports::ANY,
        app: AppServer::Edge,
        // The suite runs against the implicit grant; the code grant's own tests use
        // a second app origin configured for it.
        grants: vec![Grant::Implicit, Grant::Code],
        mailbox: Some(mailbox.clone()),
        quiet: true,
        // Enough for the paging test's 25 posts in a minute; the quota test fills it.
        quota: Some(Quota {
            per_minute: E2E_WRITES_PER_MINUTE,
            per_day: 1000,
        }),
        // Calm until a test puts a plan in force (e2e/contention.test.mjs).
        faults: Some(faults::Plan::none()),
    };
    let stack = RunningStack::start(root, options)?;
    let release = crate::rehearsal::prepare(root, &stack)?;
    let result = run_cmd(
        // One file at a time: the files share one stack, and the fault layer's plan
        // (e2e/contention.test.mjs) is the whole stack's while a test holds it.
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
            .args(suite_files(root)?)
            .env("BOARD_WRITES_PER_MINUTE", E2E_WRITES_PER_MINUTE.to_string())
            .env("BOARD_MODERATOR", DEMO_MODERATOR_EMAIL)
            .env("BOARD_MODERATOR_PASSWORD", DEMO_MODERATOR_PASSWORD)
            .current_dir(root)
            .env("BOARD_URL", &stack.app_url)
            .env("BOARD_CODE_URL", stack.app_url_for(Grant::Code)?)
            .env("BOARD_AUTH", &stack.auth_url)
            .env("BOARD_API", &stack.api_url)
            .env(
                "BOARD_FAULTS",
                stack.faults_url.as_deref().unwrap_or_default(),
            )
            .env(
                "BOARD_ORIGIN_SECRET",
                stack.origin_secret.as_deref().unwrap_or_default(),
            )
            .env("BOARD_MAILBOX", &mailbox)
            .env("BOARD_RELEASE", &release)
            .env("BOARD_ARTIFACTS", &artifacts)
            .env("CHROMIUM", chromium_path()),
    );
    if result.is_err() {
        println!(
            "test: screenshots and console logs of failed browser tests are in {}",
            artifacts.display()
        );
    }
    result
}
