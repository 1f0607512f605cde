//! What several measurements start from: fresh tables, named writers and a reader
//! with posts to read, written as the API writes; and a process's peak memory.

use anyhow::{Context, Result};
use backend::domain::Caller;
use backend::store::Store;
use backend::store::schema;
use devstack::LocalAws;

pub(super) fn fresh_options(name: &str) -> devstack::Options {
    let unique = format!("{name}-{}", uuid::Uuid::new_v4().simple());
    devstack::Options {
        table: format!("bench-{unique}"),
        people_table: format!("bench-people-{unique}"),
        comments_table: format!("bench-comments-{unique}"),
        pool_name: format!("bench-{unique}"),
        ..Default::default()
    }
}

pub(super) async fn fresh_table(client: &LocalAws, name: &str) -> Result<String> {
    let table = fresh_options(name).table;
    schema::create_table(&client.dynamo, &table).await?;
    Ok(table)
}

/// The store over a fresh posts table and a fresh people table, with `writers`
/// named writer-0, writer-1, ... (display names `Writer 0`, ...).
pub(super) async fn fresh_store(
    client: &LocalAws,
    name: &str,
    writers: usize,
) -> Result<(Store, String)> {
    let options = fresh_options(name);
    schema::create_table(&client.dynamo, &options.table).await?;
    schema::create_people_table(&client.dynamo, &options.people_table).await?;
    schema::create_comments_table(&client.dynamo, &options.comments_table).await?;
    let table = options.table.clone();
    let store = Store::new(
        client.dynamo.clone(),
        backend::store::Tables {
            posts: options.table,
            people: options.people_table,
            comments: options.comments_table,
        },
    );
    for writer in 0..writers {
        store
            .set_name(
                &Caller {
                    sub: format!("writer-{writer}"),
                    moderator: false,
                },
                &shared::validate::display_name(&format!("Writer {writer}"))?,
            )
            .await?;
    }
    Ok((store, table))
}

/// One post written as the API writes it: the writer's name read, a unit of their
/// quota taken, the post stored.
pub(super) async fn write_as_api(store: &Store, sub: &str, title: String) -> Result<u64> {
    let name = store
        .profile(sub)
        .await?
        .and_then(|p| p.display_name)
        .context("the writer has a name")?;
    let unlimited = backend::config::Quota {
        per_minute: u32::MAX,
        per_day: u32::MAX,
    };
    store.take_write(sub, unlimited).await?;
    let (title, contents) = shared::validate::post(&title, "contents")?;
    let author = Caller {
        sub: sub.to_owned(),
        moderator: false,
    };
    Ok(store.create(&author, &name, title, contents).await?.id)
}

/// A fresh stack with a signed-in reader named "Bench" and [`READER_POSTS`] posts:
/// the stack and the reader's id token.
pub(super) async fn reader_stack(
    client: &LocalAws,
    name: &str,
) -> Result<(devstack::Stack, String)> {
    let stack = client.bootstrap(&fresh_options(name)).await?;
    client
        .create_user(&stack.user_pool_id, "bench@example.com", "Bench-pass-1")
        .await?;
    let tokens = client
        .sign_in(&stack.client_id, "bench@example.com", "Bench-pass-1")
        .await?;
    let store = Store::new(client.dynamo.clone(), stack.tables());
    let sub = client
        .user_sub(&stack.user_pool_id, "bench@example.com")
        .await?;
    let author = Caller {
        sub,
        moderator: false,
    };
    store
        .set_name(&author, &shared::validate::display_name("Bench")?)
        .await?;
    for i in 0..READER_POSTS {
        let (title, contents) = shared::validate::post(&format!("post {i}"), "contents")?;
        store.create(&author, "Bench", title, contents).await?;
    }
    Ok((stack, tokens.id_token))
}

pub(super) const READER_POSTS: usize = 20;

pub(super) fn peak_rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .context("VmHWM in /proc/PID/status")
}
