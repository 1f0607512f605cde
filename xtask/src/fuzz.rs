//! `cargo xtask fuzz`: Schemathesis against the backend's own OpenAPI description.
//!
//! The backend runs as its local server on fresh tables (DynamoDB Local) and a fresh
//! user pool (moto), and
//! Schemathesis (pinned in `xtask/requirements.txt`) sends every operation generated
//! and mutated requests with a valid token (examples, coverage, fuzzing and stateful
//! phases, the last following `Location` from a create to the post's own routes). Each
//! answer is checked: never a 5xx, a documented status, and a body that matches the
//! documented schema. The seed is fixed, so a run is repeatable.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};
use backend::store::Store;
use devstack::Options;

use crate::process::{ChildGuard, free_port, run_cmd, wait_for_port};
use crate::services::Services;
use crate::setup::VENV;
use crate::stack::backend_command;

/// How much fuzzing a run does.
#[derive(Clone, Copy, Debug)]
pub enum Budget {
    /// A few hundred cases, for `cargo xtask test`.
    Quick,
    /// Many more, for `cargo xtask fuzz`.
    Long,
}

/// The seed of every run, so a failure found once is found again.
const SEED: u64 = 20_261_127;

impl Budget {
    fn max_examples(self) -> &'static str {
        match self {
            Budget::Quick => "25",
            Budget::Long => "1000",
        }
    }
}

/// `cargo xtask fuzz`: builds the backend, starts the local services and fuzzes at
/// length.
pub fn run(root: &Path) -> Result<()> {
    crate::setup::run(root)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    run_cmd(Command::new(cargo).current_dir(root).args([
        "build",
        "--quiet",
        "--package",
        "backend",
    ]))?;
    let services = Services::start(root)?;
    against(root, &services, Budget::Long)
}

/// Fuzzes the debug backend (already built) on a fresh stack in `services`.
pub fn against(root: &Path, services: &Services, budget: Budget) -> Result<()> {
    let runtime = crate::runtime()?;
    let email = "fuzzer@example.com";
    let password = "Fuzz-board-2026";
    let (stack, token) = runtime.block_on(async {
        let moto = services.connect().await;
        let unique = uuid::Uuid::new_v4().simple();
        let options = Options {
            table: format!("fuzz-{unique}"),
            people_table: format!("fuzz-people-{unique}"),
            comments_table: format!("fuzz-comments-{unique}"),
            pool_name: "fuzz".to_owned(),
            ..Default::default()
        };
        let stack = moto.bootstrap(&options).await?;
        moto.create_user(&stack.user_pool_id, email, password)
            .await?;
        let tokens = moto.sign_in(&stack.client_id, email, password).await?;
        // A named writer, so writes reach the store rather than stopping at the name.
        let sub = moto.user_sub(&stack.user_pool_id, email).await?;
        Store::new(moto.dynamo.clone(), stack.tables())
            .set_name(&sub, &shared::validate::display_name("Fuzzer")?)
            .await?;
        anyhow::Ok((stack, tokens.id_token))
    })?;

    let port = free_port()?;
    let mut backend = backend_command(
        &root.join("target/debug/backend"),
        &services.dynamodb.endpoint,
        &stack,
        port,
    );
    // The fuzzer writes far faster than a person: no quota in its way.
    backend
        .env("WRITES_PER_MINUTE", u32::MAX.to_string())
        .env("WRITES_PER_DAY", u32::MAX.to_string());
    backend.stdout(std::process::Stdio::null());
    let _backend = ChildGuard(backend.spawn().context("starting the backend")?);
    wait_for_port(port, Duration::from_secs(60), "the backend")?;

    let report = root.join("target/fuzz");
    std::fs::create_dir_all(&report)?;
    let schemathesis = root.join(VENV).join("bin/st");
    println!(
        "fuzz: Schemathesis, seed {SEED}, up to {} cases per operation and phase",
        budget.max_examples()
    );
    run_cmd(
        Command::new(schemathesis)
            .current_dir(root)
            .arg("run")
            .arg(format!("http://127.0.0.1:{port}/openapi.json"))
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance",
            ])
            .args(["--phases", "examples,coverage,fuzzing,stateful"])
            .args(["--max-examples", budget.max_examples()])
            .args(["--seed", &SEED.to_string()])
            .args(["--workers", "1"])
            .args(["--generation-database", "none"])
            .args(["--request-timeout", "30"])
            .args(["--report", "junit"])
            .arg("--report-dir")
            .arg(&report)
            .arg("--no-color")
            // The token must not be printed in a failure's reproduction command.
            .args(["--output-sanitize", "true"]),
    )
}
