//! A hot thread: many people commenting on one post at the same moment, each comment
//! one transaction that also counts it on the post. On AWS such transactions meet on
//! the post's item and DynamoDB cancels some (`TransactionConflict`); DynamoDB Local
//! never does, so the fault layer cancels a share of them as AWS would. Measured
//! twice through the same layer, calm and with conflicts: how many comments are
//! stored, and what the retries cost in latency.

use std::time::Instant;

use anyhow::{Context, Result};
use backend::config::AwsAccess;
use backend::domain::{Caller, PostId};
use backend::store::{Store, Tables, schema};
use devstack::LocalAws;
use faults::{Fault, Plan as FaultPlan, Proxy};
use futures_util::StreamExt;
use serde::Serialize;

use super::Plan;
use super::fixtures::fresh_options;
use super::stats::Spread;

/// The share of comment transactions cancelled in the busy run.
pub const CONFLICT_SHARE: f64 = 0.1;

#[derive(Serialize)]
pub struct HotRun {
    /// Transactions the fault layer cancelled.
    pub cancelled: u64,
    /// Comments answered as stored, of `writers`.
    pub stored: usize,
    /// The post's count afterwards: equal to `stored` when nothing drifted.
    pub counted: u64,
    pub latency_ms: Spread,
}

#[derive(Serialize)]
pub struct HotThread {
    pub writers: usize,
    pub conflict_share: f64,
    pub calm: HotRun,
    pub busy: HotRun,
}

pub(super) async fn hot_thread(client: &LocalAws, plan: &Plan) -> Result<HotThread> {
    let calm = run(client, plan.writers, FaultPlan::none()).await?;
    let busy = run(
        client,
        plan.writers,
        FaultPlan::seeded(64).with(
            Fault::TransactionConflict,
            CONFLICT_SHARE,
            &["TransactWriteItems"],
        ),
    )
    .await?;
    Ok(HotThread {
        writers: plan.writers,
        conflict_share: CONFLICT_SHARE,
        calm,
        busy,
    })
}

/// `writers` people comment on one fresh post at once, through the fault layer with
/// `faults` in force, with the client the backend builds (its retries).
async fn run(client: &LocalAws, writers: usize, faults: FaultPlan) -> Result<HotRun> {
    let options = fresh_options("hot");
    schema::create_table(&client.dynamo, &options.table).await?;
    schema::create_people_table(&client.dynamo, &options.people_table).await?;
    schema::create_comments_table(&client.dynamo, &options.comments_table).await?;
    let tables = Tables {
        posts: options.table,
        people: options.people_table,
        comments: options.comments_table,
    };
    let proxy = Proxy::start(&client.dynamodb_endpoint, FaultPlan::none()).await?;
    let store = Store::new(
        backend::dynamo_client(&AwsAccess {
            region: devstack::REGION.to_owned(),
            access_key_id: "local".to_owned(),
            secret_access_key: "local".to_owned(),
            session_token: None,
            dynamodb_endpoint: Some(proxy.endpoint()),
        }),
        tables,
    );
    let people: Vec<Caller> = (0..writers)
        .map(|i| Caller {
            sub: format!("hot-{i}"),
            moderator: false,
        })
        .collect();
    for (i, person) in people.iter().enumerate() {
        store
            .set_name(
                person,
                &shared::validate::display_name(&format!("Hot {i}"))?,
            )
            .await?;
    }
    let (title, contents) = shared::validate::post("a hot thread", "answer me")?;
    let post = store.create(&people[0], "Hot 0", title, contents).await?.id;
    let post = PostId::parse(&post.to_string()).context("a stored post's id")?;

    proxy.set_plan(faults);
    let results: Vec<(bool, f64)> = futures_util::stream::iter(&people)
        .map(|person| {
            let store = store.clone();
            async move {
                let started = Instant::now();
                let stored = match shared::validate::comment("at once") {
                    Ok(text) => store
                        .add_comment(post, person, "Hot", text, None)
                        .await
                        .is_ok(),
                    Err(_) => false,
                };
                (stored, started.elapsed().as_secs_f64() * 1000.0)
            }
        })
        .buffer_unordered(writers)
        .collect()
        .await;
    let cancelled = proxy
        .report()
        .injected("TransactWriteItems", Fault::TransactionConflict);
    proxy.set_plan(FaultPlan::none());
    Ok(HotRun {
        cancelled,
        stored: results.iter().filter(|(stored, _)| *stored).count(),
        counted: store.get(post).await?.comment_count,
        latency_ms: Spread::of(results.iter().map(|(_, ms)| *ms).collect()),
    })
}
