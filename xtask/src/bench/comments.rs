//! Comments: writing one and reading a thread's first page must cost the same on a
//! post with 10,000 comments as on one with 100 (a thread page is one Query; a write
//! is one transaction), and many people commenting on one post at once must all be
//! stored and counted exactly.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use backend::domain::{Caller, PostId};
use backend::store::Store;
use devstack::LocalAws;
use futures_util::StreamExt;
use serde::Serialize;

use super::Plan;
use super::fixtures::{fresh_store, write_as_api};
use super::stats::Spread;

#[derive(Serialize)]
pub struct CommentPoint {
    /// Comments already on the post.
    pub thread_size: usize,
    pub create_ms: Spread,
    /// The thread's first page (20 comments with their authors' names).
    pub read_ms: Spread,
}

#[derive(Serialize)]
pub struct Comments {
    pub points: Vec<CommentPoint>,
    /// Median at the largest thread over the smallest.
    pub create_ratio: f64,
    pub read_ratio: f64,
    /// People commenting on one post at once.
    pub writers: usize,
    pub stored: usize,
    /// The post's count afterwards: equal to `stored` when no increment was lost.
    pub counted: u64,
}

const SEEDERS: usize = 16;

pub(super) async fn comments(client: &LocalAws, plan: &Plan) -> Result<Comments> {
    let (store, _) = fresh_store(client, "comments", plan.writers).await?;
    let writer = |i: usize| Caller {
        sub: format!("writer-{i}"),
        moderator: false,
    };
    let mut points = Vec::new();
    for &size in &plan.thread_sizes {
        let post = post_id(write_as_api(&store, "writer-0", format!("thread of {size}")).await?)?;
        // Seeded as the API writes them: each a transaction with its count and notice.
        let seeded: Vec<Result<()>> = futures_util::stream::iter(0..size)
            .map(|i| {
                let (store, author) = (store.clone(), writer(1 + i % (plan.writers - 1)));
                async move { comment(&store, post, &author, &format!("seed {i}")).await }
            })
            .buffer_unordered(SEEDERS)
            .collect()
            .await;
        seeded.into_iter().collect::<Result<Vec<()>>>()?;
        let mut create = Vec::new();
        let mut read = Vec::new();
        for i in 0..plan.write_samples {
            let started = Instant::now();
            comment(&store, post, &writer(1), &format!("measured {i}")).await?;
            create.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = Instant::now();
            let page = store.comments(post, 20, None, None).await?;
            read.push(started.elapsed().as_secs_f64() * 1000.0);
            if page.comments.len() != 20.min(size + i + 1) {
                bail!("a page of {} comments, not 20", page.comments.len());
            }
        }
        points.push(CommentPoint {
            thread_size: size,
            create_ms: Spread::of(create),
            read_ms: Spread::of(read),
        });
    }
    let ratio = |pick: fn(&CommentPoint) -> f64| match (points.first(), points.last()) {
        (Some(first), Some(last)) => pick(last) / pick(first),
        _ => f64::NAN,
    };
    let create_ratio = ratio(|p| p.create_ms.median);
    let read_ratio = ratio(|p| p.read_ms.median);

    let post = post_id(write_as_api(&store, "writer-0", "a busy post".to_owned()).await?)?;
    let results: Vec<Result<()>> = futures_util::stream::iter(0..plan.writers)
        .map(|i| {
            let (store, author) = (store.clone(), writer(i));
            async move { comment(&store, post, &author, "at once").await }
        })
        .buffer_unordered(plan.writers)
        .collect()
        .await;
    let stored = results.iter().filter(|r| r.is_ok()).count();
    let counted = store.get(post).await?.comment_count;
    Ok(Comments {
        points,
        create_ratio,
        read_ratio,
        writers: plan.writers,
        stored,
        counted,
    })
}

/// One comment as the API writes it (the name and quota checks are the posts').
async fn comment(store: &Store, post: PostId, author: &Caller, words: &str) -> Result<()> {
    let text = shared::validate::comment(words)?;
    store
        .add_comment(post, author, "Writer", text, None)
        .await
        .context("writing a comment")?;
    Ok(())
}

fn post_id(id: u64) -> Result<PostId> {
    PostId::parse(&id.to_string()).context("a stored post's id")
}
