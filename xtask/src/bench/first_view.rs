//! What a reader waits for: the release build served as CloudFront serves it (the
//! local stand-in, compressed), loaded cold in Chromium on a throttled network
//! (`xtask/first-view.mjs`: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip, cache
//! disabled), from navigation to (a) the sign-in button of a visitor and (b) the first
//! post's title of a signed-in reader whose session is already in the tab.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use backend::store::Store;
use devstack::LocalAws;
use serde::{Deserialize, Serialize};

use super::stats::Spread;
use crate::outputs::Grant;
use crate::setup::chromium_path;
use crate::stack::{AppServer, DEMO_EMAIL, DEMO_PASSWORD, Ports, RunningStack, StackOptions};

#[derive(Serialize)]
pub struct FirstView {
    pub runs: usize,
    /// Navigation to the visitor's sign-in button, ms.
    pub visitor_ms: Spread,
    /// Navigation to a signed-in reader's first post title, ms.
    pub reader_ms: Spread,
}

#[derive(Deserialize)]
struct Samples {
    visitor: Vec<f64>,
    reader: Vec<f64>,
}

/// Posts on the board while it is measured: a first page's worth.
const POSTS: usize = 20;

pub fn measure(root: &Path, runs: usize) -> Result<FirstView> {
    let options = StackOptions {
        ports: Ports::ANY,
        app: AppServer::Edge,
        grants: vec![Grant::Implicit],
        mailbox: None,
        quiet: true,
        quota: None,
        faults: None,
    };
    let running = RunningStack::start(root, options)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let session = runtime.block_on(async {
        let client = LocalAws::connect(&running.moto_endpoint, &running.dynamodb_endpoint).await;
        let stack = &running.stack;
        let tokens = client
            .sign_in(&stack.client_id, DEMO_EMAIL, DEMO_PASSWORD)
            .await?;
        let sub = client.user_sub(&stack.user_pool_id, DEMO_EMAIL).await?;
        let store = Store::new(client.dynamo.clone(), stack.tables());
        let author = backend::domain::Caller {
            sub: sub.clone(),
            moderator: false,
        };
        for i in 0..POSTS {
            let (title, contents) = shared::validate::post(&format!("Post {i}"), "contents")?;
            store.create(&author, "Demo", title, contents).await?;
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        anyhow::Ok(serde_json::json!({
            "id_token": tokens.id_token,
            "sub": sub,
            "expires_at": now + 50 * 60,
        }))
    })?;
    let output = Command::new("node")
        .current_dir(root)
        .arg(root.join("xtask/first-view.mjs"))
        .env("BOARD_URL", &running.app_url)
        .env("BOARD_SESSION", session.to_string())
        .env("RUNS", runs.to_string())
        .env("CHROMIUM", chromium_path())
        .output()
        .context("running xtask/first-view.mjs")?;
    if !output.status.success() {
        anyhow::bail!(
            "xtask/first-view.mjs failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let samples: Samples = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "first-view.mjs printed {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })?;
    Ok(FirstView {
        runs,
        visitor_ms: Spread::of(samples.visitor),
        reader_ms: Spread::of(samples.reader),
    })
}
