//! `cargo xtask <task>`: the board's set-up, local stack and test runner.

mod app;
mod bench;
mod deploy;
mod dev;
mod dynamodb;
mod edge;
mod fuzz;
mod moto;
mod outputs;
mod process;
mod rehearsal;
mod secret;
mod services;
mod setup;
mod stack;
mod test;

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Tasks of the board: set-up, local stack, tests")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run the whole board locally (DynamoDB Local, moto, sign-in, backend, app) until Ctrl-C.
    Dev {
        /// How the app signs in.
        #[arg(long, value_enum, default_value_t = outputs::Grant::Implicit)]
        grant: outputs::Grant,
        /// Answer this share (0 to 1) of DynamoDB requests as busy DynamoDB does:
        /// transactions cancelled by conflicts, single writes refused beside a
        /// transaction, reads throttled. The board retries; past its budget it answers
        /// 503, and the app says so.
        #[arg(long, value_parser = share)]
        faults: Option<f64>,
    },
    /// Install what the tests and the local stack need and is missing (idempotent).
    Setup,
    /// Write xtask/requirements.lock anew from xtask/requirements.txt (every Python
    /// package pinned with its hashes).
    Lock,
    /// Run moto (the Cognito user-pool API stand-in) on a loopback port until Ctrl-C.
    Moto {
        #[arg(long, default_value_t = 5000)]
        port: u16,
    },
    /// Run AWS's DynamoDB Local (in memory) on a port until Ctrl-C.
    Dynamodb {
        #[arg(long, default_value_t = 8000)]
        port: u16,
    },
    /// Create the tables in a running DynamoDB Local and the user pool and app client in
    /// a running moto; print them as JSON.
    Bootstrap {
        /// moto's URL, e.g. http://127.0.0.1:5000
        #[arg(long)]
        endpoint: String,
        /// DynamoDB Local's URL, e.g. http://127.0.0.1:8000
        #[arg(long)]
        dynamodb_endpoint: String,
        /// A URL the hosted UI may redirect to after sign-in (repeatable).
        #[arg(long = "callback-url")]
        callback_urls: Vec<String>,
        /// A URL the hosted UI may redirect to after sign-out (repeatable).
        #[arg(long = "logout-url")]
        logout_urls: Vec<String>,
        #[arg(long, default_value = "posts")]
        table: String,
        #[arg(long, default_value = "people")]
        people_table: String,
        #[arg(long, default_value = "comments")]
        comments_table: String,
    },
    /// Measure first-load bytes, start-up, write cost, concurrency and package size.
    Bench {
        /// Each measurement once, at a small size (a smoke test; writes no results).
        #[arg(long)]
        quick: bool,
    },
    /// Deploy to AWS with SAM: the stack, then the app to its bucket.
    Deploy(deploy::DeployOptions),
    /// Build the Lambda functions as the deploy does (`sam build` with the pinned SAM CLI,
    /// cargo-lambda and Zig) and check each is an arm64 bootstrap.
    BuildFunction {
        /// From an empty target directory: the whole build of a first deploy (minutes).
        #[arg(long)]
        clean: bool,
    },
    /// Remove a deployment: empty its bucket, delete its stack and, with
    /// --delete-data, its tables and user pool.
    Teardown(deploy::teardown::TeardownOptions),
    /// Run every test and check: formatting, lints, unit, integration and browser tests.
    Test,
    /// Fuzz the API against its OpenAPI description with Schemathesis, at length.
    Fuzz {
        /// The test command's budget instead (a few hundred cases, seconds).
        #[arg(long)]
        quick: bool,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = workspace_root();
    match cli.task {
        Task::Dev { grant, faults } => dev::run(&root, grant, faults),
        Task::Setup => setup::run(&root),
        Task::Lock => setup::lock(&root),
        Task::Moto { port } => moto::run_foreground(&root, port),
        Task::Dynamodb { port } => dynamodb::run_foreground(&root, port),
        Task::Bootstrap {
            endpoint,
            dynamodb_endpoint,
            callback_urls,
            logout_urls,
            table,
            people_table,
            comments_table,
        } => {
            let options = devstack::Options {
                table,
                people_table,
                comments_table,
                callback_urls,
                logout_urls,
                ..Default::default()
            };
            let stack = runtime()?.block_on(async {
                devstack::LocalAws::connect(&endpoint, &dynamodb_endpoint)
                    .await
                    .bootstrap(&options)
                    .await
            })?;
            println!("{}", serde_json::to_string_pretty(&stack)?);
            Ok(())
        }
        Task::Deploy(options) => deploy::run(&root, options),
        Task::BuildFunction { clean } => deploy::build::run(&root, clean),
        Task::Teardown(options) => deploy::teardown::run(&root, options),
        Task::Bench { quick } => bench::run(&root, quick),
        Task::Test => test::run(&root),
        Task::Fuzz { quick } => fuzz::run(&root, quick),
    }
}

/// The repository's root: the parent of this crate's folder.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// A share from 0 to 1.
fn share(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!(
            "{raw:?} is not a share from 0 to 1 (0.2 is a fifth)"
        )),
    }
}
