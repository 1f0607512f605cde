//! Write cost against table size: creating a post must cost the same at 100 posts as
//! at 10,000 (no scan), compared with a baseline that counts the table.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Result;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use backend::store::schema;
use devstack::LocalAws;
use serde::Serialize;

use super::fixtures::{fresh_store, fresh_table, write_as_api};
use super::stats::Spread;
use super::{Plan, baseline};

#[derive(Serialize)]
pub struct WritePoint {
    pub table_size: usize,
    pub app_ms: Spread,
    pub baseline_ms: Spread,
}

#[derive(Serialize)]
pub struct WriteCost {
    pub points: Vec<WritePoint>,
    /// Median latency at the largest size over the smallest.
    pub app_ratio: f64,
    pub baseline_ratio: f64,
}

/// Adds posts `from..to` (ids) to a table, 25 to a request.
pub(super) async fn seed(
    client: &LocalAws,
    table: &str,
    from: usize,
    to: usize,
    app_items: bool,
) -> Result<()> {
    let ids: Vec<usize> = (from..to).collect();
    for chunk in ids.chunks(25) {
        let requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|id| {
                let mut item = HashMap::from([
                    ("id".to_owned(), AttributeValue::N(id.to_string())),
                    (
                        "title".to_owned(),
                        AttributeValue::S(format!("seeded post {id}")),
                    ),
                    ("contents".to_owned(), AttributeValue::S("x".repeat(200))),
                ]);
                if app_items {
                    for (k, v) in [
                        ("feed", "post"),
                        ("author_sub", "seed"),
                        ("author_name", "seed"),
                    ] {
                        item.insert(k.to_owned(), AttributeValue::S(v.to_owned()));
                    }
                    for k in ["created_at", "updated_at"] {
                        item.insert(
                            k.to_owned(),
                            AttributeValue::S("2026-01-01T00:00:00.000Z".to_owned()),
                        );
                    }
                }
                let put = PutRequest::builder().set_item(Some(item)).build()?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<_>>()?;
        let mut pending = HashMap::from([(table.to_owned(), requests)]);
        while !pending.is_empty() {
            let out = client
                .dynamo
                .batch_write_item()
                .set_request_items(Some(pending))
                .send()
                .await?;
            pending = out.unprocessed_items.unwrap_or_default();
            pending.retain(|_, v| !v.is_empty());
        }
    }
    if app_items {
        // The counter stands where the seeded ids end, as it would after real writes.
        let counter = HashMap::from([
            (
                schema::KEY.to_owned(),
                AttributeValue::N(schema::COUNTER_ID.to_string()),
            ),
            (
                schema::COUNTER_ATTR.to_owned(),
                AttributeValue::N((to - 1).to_string()),
            ),
        ]);
        client
            .dynamo
            .put_item()
            .table_name(table)
            .set_item(Some(counter))
            .send()
            .await?;
    }
    Ok(())
}

pub(super) async fn write_cost(client: &LocalAws, plan: &Plan) -> Result<WriteCost> {
    let (store, app_table) = fresh_store(client, "app", 1).await?;
    let base_table = fresh_table(client, "baseline").await?;
    let (mut app_next, mut base_next) = (1, 1);
    let mut points = Vec::new();
    for &size in &plan.table_sizes {
        seed(client, &app_table, app_next, size + 1, true).await?;
        seed(client, &base_table, base_next, size + 1, false).await?;
        let (mut app_ms, mut base_ms) = (Vec::new(), Vec::new());
        // Side by side: one write each, in turn, so drift hits both alike.
        for i in 0..plan.write_samples {
            let started = Instant::now();
            write_as_api(&store, "writer-0", format!("measured {i}")).await?;
            app_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = Instant::now();
            baseline::create(&client.dynamo, &base_table, "measured").await?;
            base_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        app_next = size + 1 + plan.write_samples;
        base_next = size + 1 + plan.write_samples;
        points.push(WritePoint {
            table_size: size,
            app_ms: Spread::of(app_ms),
            baseline_ms: Spread::of(base_ms),
        });
    }
    let ratio = |f: fn(&WritePoint) -> f64| match (points.first(), points.last()) {
        (Some(first), Some(last)) => f(last) / f(first),
        _ => f64::NAN,
    };
    let app_ratio = ratio(|p| p.app_ms.median);
    let baseline_ratio = ratio(|p| p.baseline_ms.median);
    Ok(WriteCost {
        points,
        app_ratio,
        baseline_ratio,
    })
}
