//! `cargo xtask dev`: the whole board on this machine, until Ctrl-C.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use crate::outputs::Grant;
use crate::setup;
use crate::stack::{
    AppServer, DEMO_EMAIL, DEMO_MODERATOR_EMAIL, DEMO_MODERATOR_PASSWORD, DEMO_PASSWORD, Ports,
    RunningStack, StackOptions,
};

pub fn run(root: &Path, grant: Grant, faults: Option<f64>) -> Result<()> {
    setup::run(root)?;
    let options = StackOptions {
        ports: Ports::PREFERRED,
        app: AppServer::Trunk,
        grants: vec![grant],
        mailbox: None,
        quiet: false,
        quota: None,
        // A new seed each start: a person feels the faults, not one fixed sequence.
        faults: faults.map(|share| faults::Plan::busy(share, seed())),
    };
    let mut stack = RunningStack::start(root, options)?;
    println!();
    println!(
        "  The board is running:  {} (the {grant} grant)",
        stack.app_url
    );
    println!();
    println!("  Sign in as {DEMO_EMAIL} / {DEMO_PASSWORD},");
    println!("  or as the moderator {DEMO_MODERATOR_EMAIL} / {DEMO_MODERATOR_PASSWORD},");
    println!("  or sign up: the confirmation code is printed here.");
    println!("  API: {}, sign-in: {}.", stack.api_url, stack.auth_url);
    println!(
        "  DynamoDB Local: {}, moto (Cognito): {}.",
        stack.dynamodb_endpoint, stack.moto_endpoint
    );
    if let (Some(share), Some(url)) = (faults, &stack.faults_url) {
        println!(
            "  DynamoDB answers {:.0} % of requests as busy (the fault layer at {url}).",
            share * 100.0
        );
    }
    println!("  Ctrl-C stops everything.");
    println!();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(()),
                _ = tokio::time::sleep(Duration::from_secs(1)) => stack.check_alive()?,
            }
        }
    })
}

fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
