//! Concurrency: many writers at once must lose no post and never share an id.

use std::collections::BTreeSet;

use anyhow::Result;
use devstack::LocalAws;
use serde::Serialize;

use super::fixtures::{fresh_store, fresh_table, write_as_api};
use super::{Plan, baseline};

#[derive(Serialize)]
pub struct Outcome {
    pub attempted: usize,
    pub stored: u64,
    pub distinct_ids: usize,
    pub lost: u64,
    pub duplicate_ids: usize,
}

#[derive(Serialize)]
pub struct Concurrency {
    pub writers: usize,
    pub posts_per_writer: usize,
    pub app: Outcome,
    pub baseline: Outcome,
}

pub(super) async fn concurrency(client: &LocalAws, plan: &Plan) -> Result<Concurrency> {
    let attempted = plan.writers * plan.posts_per_writer;

    let (store, app_table) = fresh_store(client, "app-concurrent", plan.writers).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..plan.writers {
        let (store, per) = (store.clone(), plan.posts_per_writer);
        tasks.spawn(async move {
            let sub = format!("writer-{writer}");
            let mut ids = Vec::new();
            for i in 0..per {
                ids.push(write_as_api(&store, &sub, format!("w{writer} p{i}")).await?);
            }
            anyhow::Ok(ids)
        });
    }
    let mut app_ids = Vec::new();
    while let Some(result) = tasks.join_next().await {
        app_ids.extend(result??);
    }
    let app_stored = baseline::count(&client.dynamo, &app_table)
        .await?
        .saturating_sub(1); // less the counter
    let app = outcome(attempted, app_stored, &app_ids);

    let base_table = fresh_table(client, "baseline-concurrent").await?;
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..plan.writers {
        let (dynamo, table, per) = (
            client.dynamo.clone(),
            base_table.clone(),
            plan.posts_per_writer,
        );
        tasks.spawn(async move {
            let mut ids = Vec::new();
            for i in 0..per {
                ids.push(baseline::create(&dynamo, &table, &format!("w{writer} p{i}")).await?);
            }
            anyhow::Ok(ids)
        });
    }
    let mut base_ids = Vec::new();
    while let Some(result) = tasks.join_next().await {
        base_ids.extend(result??);
    }
    let base_stored = baseline::count(&client.dynamo, &base_table).await?;
    let baseline = outcome(attempted, base_stored, &base_ids);
    Ok(Concurrency {
        writers: plan.writers,
        posts_per_writer: plan.posts_per_writer,
        app,
        baseline,
    })
}

pub(super) fn outcome(attempted: usize, stored: u64, ids: &[u64]) -> Outcome {
    let distinct = ids.iter().collect::<BTreeSet<_>>().len();
    Outcome {
        attempted,
        stored,
        distinct_ids: distinct,
        lost: (attempted as u64).saturating_sub(stored),
        duplicate_ids: ids.len() - distinct,
    }
}
