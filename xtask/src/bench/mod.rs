//! `cargo xtask bench`: first-load bytes, the first view on a throttled network,
//! start-up, the cold start through a Lambda Runtime API stand-in, write cost against
//! table size, concurrency and package size, each measured side by side with its
//! comparison in the same run, on loopback against the DynamoDB Local and moto the
//! bench starts; one module per measurement. Prints a table and writes
//! `bench/results.json` and `bench/results.svg`. `--quick` runs each measurement once
//! at a small size (part of `cargo xtask test`, so the bench cannot rot).

mod baseline;
mod cold_start;
mod comments;
mod concurrency;
mod first_load;
mod first_view;
mod fixtures;
mod hot_thread;
mod package;
mod plot;
mod runtime_api;
mod startup;
mod stats;
mod table;
mod writes;

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::process::{cargo, run_cmd};
use crate::services::Services;
use crate::setup;

use self::cold_start::ColdStart;
use self::comments::Comments;
use self::concurrency::Concurrency;
use self::first_load::FirstLoad;
use self::hot_thread::HotThread;
use self::package::Package;
use self::startup::Startup;
use self::writes::{WriteCost, WritePoint};

/// How much to measure.
pub struct Plan {
    pub first_view_runs: usize,
    pub startup_runs: usize,
    pub cold_start_runs: usize,
    pub burst_requests: usize,
    pub table_sizes: Vec<usize>,
    pub write_samples: usize,
    pub writers: usize,
    pub posts_per_writer: usize,
    /// Comments already on a post when its comment writes and reads are measured.
    pub thread_sizes: Vec<usize>,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Plan {
                first_view_runs: 1,
                startup_runs: 1,
                cold_start_runs: 1,
                burst_requests: 20,
                table_sizes: vec![10, 20],
                write_samples: 1,
                writers: 4,
                posts_per_writer: 2,
                thread_sizes: vec![10, 20],
            }
        } else {
            Plan {
                first_view_runs: 15,
                startup_runs: 20,
                cold_start_runs: 20,
                burst_requests: 1000,
                table_sizes: vec![100, 1000, 10_000],
                write_samples: 40,
                writers: 64,
                posts_per_writer: 16,
                thread_sizes: vec![100, 10_000],
            }
        }
    }
}

#[derive(Serialize)]
pub struct Results {
    pub quick: bool,
    pub first_load: FirstLoad,
    pub first_view: first_view::FirstView,
    pub startup: Startup,
    pub cold_start: ColdStart,
    pub write_cost: WriteCost,
    pub concurrency: Concurrency,
    pub comments: Comments,
    pub hot_thread: HotThread,
    pub package: Package,
    pub package_arm64: Package,
}

pub fn run(root: &Path, quick: bool) -> Result<()> {
    setup::run(root)?;
    measure(root, quick)
}

/// The measurements themselves, with the tools already set up.
pub fn measure(root: &Path, quick: bool) -> Result<()> {
    let plan = Plan::new(quick);
    let out_dir = root.join("bench");

    println!("bench: building the app and the release backend");
    crate::app::build(root)?;
    // First the build the cold start runs: the shipped one, but for a configuration
    // that takes the keys from the local stack inside "Lambda" (see backend/Cargo.toml).
    let release = |features: &[&str]| {
        run_cmd(
            cargo()
                .current_dir(root)
                .args(["build", "--release", "--quiet", "--package", "backend"])
                .args(features),
        )
    };
    release(&["--features", "local-keys-in-lambda"])?;
    let lambda_binary = root.join("target/bench/bootstrap");
    std::fs::create_dir_all(root.join("target/bench"))?;
    std::fs::copy(root.join("target/release/backend"), &lambda_binary)?;
    release(&[])?;
    let binary = root.join("target/release/backend");

    let services = Services::start(root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let client = runtime.block_on(services.connect());

    println!("bench: first load");
    let dist = root.join("dist");
    if !dist.join("config.json").exists() {
        // What a deployment writes there, so the total counts it as a browser would.
        let sample = std::fs::read_to_string(root.join("infra/sample-outputs.json"))?;
        let config = crate::outputs::config_json(&crate::outputs::parse(&sample)?)?;
        std::fs::write(dist.join("config.json"), config)?;
    }
    let first_load = first_load::first_load(&dist)?;
    println!("bench: first view in Chromium on a throttled network");
    let first_view = first_view::measure(root, plan.first_view_runs)?;
    println!("bench: start-up and memory");
    let startup = startup::startup(root, &runtime, &client, &binary, &plan)?;
    println!("bench: cold start through a Lambda Runtime API stand-in");
    let cold_start =
        runtime.block_on(cold_start::cold_start(root, &client, &lambda_binary, &plan))?;
    println!("bench: write cost against table size");
    let write_cost = runtime.block_on(writes::write_cost(&client, &plan))?;
    println!("bench: concurrency");
    let concurrency = runtime.block_on(concurrency::concurrency(&client, &plan))?;
    println!("bench: comments against thread size, and commenters at once");
    let comments = runtime.block_on(comments::comments(&client, &plan))?;
    println!("bench: a hot thread, calm and with conflicting transactions");
    let hot_thread = runtime.block_on(hot_thread::hot_thread(&client, &plan))?;
    println!("bench: package");
    let package = package::package(&binary)?;
    let package_arm64 = package::arm64(root)?;

    let results = Results {
        quick,
        first_load,
        first_view,
        startup,
        cold_start,
        write_cost,
        concurrency,
        comments,
        hot_thread,
        package,
        package_arm64,
    };
    table::print_table(&results);
    if quick {
        // The smoke run checks that everything still measures; it keeps no figures.
        return Ok(());
    }
    std::fs::create_dir_all(&out_dir)?;
    std::fs::write(
        out_dir.join("results.json"),
        serde_json::to_string_pretty(&results)? + "\n",
    )?;
    plot::draw(&out_dir.join("results.svg"), &results)?;
    println!(
        "bench: wrote {} and {}",
        out_dir.join("results.json").display(),
        out_dir.join("results.svg").display()
    );
    Ok(())
}
