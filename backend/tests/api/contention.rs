//! DynamoDB as AWS runs it when busy, through the fault layer in front of DynamoDB
//! Local: transactions cancelled by conflicts, single writes refused beside a
//! transaction, throttled reads, errors of its own, lost and late answers. Every
//! answer is a success or a 503 that says when to try again, never a 500; what is
//! stored is exactly what was answered, and counts never drift.

use std::collections::HashSet;

use axum::http::{Method, StatusCode};
use backend::store::client::RETRY;
use faults::{Fault, Plan, READS, SINGLE_WRITES};
use futures_util::StreamExt;
use serde_json::json;

use crate::helpers::{Reply, TestApp, User};

/// Whether `reply` is `ok`; failing the test unless it is that or a 503 that says when
/// to try again in the shared error shape.
fn ok_or_busy(reply: &Reply, ok: StatusCode) -> bool {
    if reply.status == ok {
        return true;
    }
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "neither {ok} nor 503: {}",
        reply.body
    );
    assert_eq!(reply.error_code(), "unavailable");
    assert_eq!(reply.headers["retry-after"], "1");
    false
}

/// Alice, Bob and six more people, each with a display name.
async fn eight_people(app: &TestApp) -> Vec<User> {
    let mut people = vec![app.alice.clone(), app.bob.clone()];
    for name in ["Carol", "Dave", "Erin", "Frank", "Grace", "Heidi"] {
        let user = app.sign_up(&name.to_lowercase()).await;
        app.name(&user, name).await;
        people.push(user);
    }
    people
}

const TRANSACTIONS: [&str; 1] = ["TransactWriteItems"];

#[tokio::test]
async fn a_hot_thread_holds_when_a_third_of_its_transactions_conflict() {
    let app = TestApp::spawn().await;
    let people = eight_people(&app).await;
    let post = app
        .create(&app.alice, "A busy thread", "answer me")
        .await
        .id;

    app.faults
        .set_plan(Plan::seeded(33).with(Fault::TransactionConflict, 0.3, &TRANSACTIONS));
    let replies: Vec<(usize, Reply)> = futures_util::stream::iter(0..64)
        .map(|i| {
            let (app, user) = (&app, &people[i % people.len()]);
            async move {
                let body = json!({ "contents": format!("comment {i}") });
                (i, app.comment_raw(user, post, body).await)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let report = app.faults.report();
    app.faults.set_plan(Plan::none());

    assert!(
        report.injected("TransactWriteItems", Fault::TransactionConflict) >= 10,
        "the layer cancelled too few to show anything: {report:?}"
    );
    let written: Vec<usize> = replies
        .iter()
        .filter(|(_, reply)| ok_or_busy(reply, StatusCode::CREATED))
        .map(|(i, _)| *i)
        .collect();
    assert!(written.len() >= 60, "only {} of 64 written", written.len());
    let (stored, _) = app.thread(&app.alice, post, 100).await;
    let stored_words: Vec<&str> = stored
        .iter()
        .filter_map(|c| c.contents.as_deref())
        .collect();
    let answered: HashSet<String> = written.iter().map(|i| format!("comment {i}")).collect();
    assert_eq!(stored_words.len(), written.len(), "stored once each");
    assert_eq!(
        stored_words
            .iter()
            .map(|w| (*w).to_owned())
            .collect::<HashSet<_>>(),
        answered,
        "stored is exactly what was answered 201"
    );
    assert_eq!(
        app.comment_count(&app.alice, post).await,
        written.len() as u64
    );
    // Alice hears of every stored comment but her own.
    let by_others = written.iter().filter(|i| *i % people.len() != 0).count();
    assert_eq!(app.notices(&app.alice).await.notices.len(), by_others);
}

#[tokio::test]
async fn new_posts_hold_when_single_writes_meet_transactions() {
    let app = TestApp::spawn().await;
    app.faults.set_plan(
        Plan::seeded(7)
            .with(Fault::ConflictWithTransaction, 0.3, &SINGLE_WRITES)
            .with(Fault::TransactionConflict, 0.3, &TRANSACTIONS),
    );
    let replies: Vec<(usize, Reply)> = futures_util::stream::iter(0..16)
        .map(|i| {
            let app = &app;
            let user = if i % 2 == 0 { &app.alice } else { &app.bob };
            async move {
                let body = json!({ "title": format!("post {i}"), "contents": "c" });
                (
                    i,
                    app.call(Method::POST, "/posts", Some(&user.id_token), Some(body))
                        .await,
                )
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let report = app.faults.report();
    app.faults.set_plan(Plan::none());

    assert!(report.total_injected() >= 3, "{report:?}");
    let written: HashSet<String> = replies
        .iter()
        .filter(|(_, reply)| ok_or_busy(reply, StatusCode::CREATED))
        .map(|(i, _)| format!("post {i}"))
        .collect();
    assert!(written.len() >= 14, "only {} of 16 written", written.len());
    let (feed, _) = app.list_all(&app.alice, 100).await;
    let titles: Vec<String> = feed.iter().map(|p| p.title.clone()).collect();
    assert_eq!(titles.len(), written.len(), "stored once each: {titles:?}");
    assert_eq!(titles.into_iter().collect::<HashSet<_>>(), written);
    let ids: HashSet<u64> = feed.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), feed.len(), "no id given twice");
}

#[tokio::test]
async fn reads_hold_when_throttled() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "read me", "c").await.id;
    app.comment(&app.bob, post, "a comment", None).await;
    let calm = app
        .call(Method::GET, "/posts", Some(&app.bob.id_token), None)
        .await;
    assert_eq!(calm.status, StatusCode::OK);

    app.faults
        .set_plan(Plan::seeded(16).with(Fault::ProvisionedThroughputExceeded, 0.3, &READS));
    let replies: Vec<Reply> = futures_util::stream::iter(0..16)
        .map(|_| app.call(Method::GET, "/posts", Some(&app.bob.id_token), None))
        .buffer_unordered(16)
        .collect()
        .await;
    let report = app.faults.report();
    app.faults.set_plan(Plan::none());

    assert!(report.total_injected() >= 5, "{report:?}");
    let served: Vec<&Reply> = replies
        .iter()
        .filter(|reply| ok_or_busy(reply, StatusCode::OK))
        .collect();
    assert!(served.len() >= 15, "only {} of 16 served", served.len());
    for reply in served {
        assert_eq!(
            reply.body, calm.body,
            "a throttled read answers the same page"
        );
    }
}

/// Every fault DynamoDB or the network can show, on the first two attempts of a new
/// post's transaction: the post is written once, whether or not the first attempt
/// reached DynamoDB Local (a lost answer is retried with the same request token).
#[tokio::test]
async fn a_new_post_is_stored_once_whatever_its_first_attempts_met() {
    let app = TestApp::spawn().await;
    for fault in Fault::ALL {
        // Two slow answers would take two attempt timeouts; one shows it.
        let times = if fault == Fault::SlowAnswer { 1 } else { 2 };
        app.faults
            .set_plan(Plan::none().first(times, fault, &TRANSACTIONS));
        let title = format!("through {fault:?}");
        let reply = app
            .call(
                Method::POST,
                "/posts",
                Some(&app.alice.id_token),
                Some(json!({ "title": title, "contents": "c" })),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{fault:?}: {}",
            reply.body
        );
        let report = app.faults.report();
        assert_eq!(
            report.injected("TransactWriteItems", fault),
            times,
            "{fault:?}"
        );
        let (feed, _) = app.list_all(&app.alice, 100).await;
        let copies = feed.iter().filter(|p| p.title == title).count();
        assert_eq!(copies, 1, "{fault:?}: stored {copies} times");
        assert_eq!(
            app.get(&app.alice, reply.post().id).await.post().title,
            title
        );
    }
}

#[tokio::test]
async fn a_comment_whose_answer_was_lost_is_stored_and_counted_once() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "post", "c").await.id;
    app.faults
        .set_plan(Plan::none().first(1, Fault::LoseAnswer, &TRANSACTIONS));
    let comment = app.comment(&app.bob, post, "said once", None).await;
    assert_eq!(
        app.faults
            .report()
            .injected("TransactWriteItems", Fault::LoseAnswer),
        1
    );
    let (thread, _) = app.thread(&app.alice, post, 10).await;
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0].id, comment.id);
    assert_eq!(app.comment_count(&app.alice, post).await, 1);
    assert_eq!(app.notices(&app.alice).await.notices.len(), 1);
}

#[tokio::test]
async fn contention_past_the_budget_is_a_503_with_retry_after_and_nothing_stored() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "post", "c").await.id;
    app.faults
        .set_plan(Plan::none().with(Fault::TransactionConflict, 1.0, &TRANSACTIONS));
    let reply = app
        .comment_raw(&app.bob, post, json!({ "contents": "never stored" }))
        .await;
    let report = app.faults.report();
    app.faults.set_plan(Plan::none());

    assert!(!ok_or_busy(&reply, StatusCode::CREATED));
    assert_eq!(
        report.injected("TransactWriteItems", Fault::TransactionConflict),
        u64::from(RETRY.attempts),
        "tried exactly as often as the budget allows"
    );
    let (thread, _) = app.thread(&app.alice, post, 10).await;
    assert!(thread.is_empty());
    assert_eq!(app.comment_count(&app.alice, post).await, 0);
    assert!(app.notices(&app.alice).await.notices.is_empty());
    // DynamoDB calm again: the same request passes.
    app.comment(&app.bob, post, "stored now", None).await;
}

#[tokio::test]
async fn reads_throttled_past_the_budget_are_a_503_not_a_500() {
    let app = TestApp::spawn().await;
    for fault in [
        Fault::ProvisionedThroughputExceeded,
        Fault::Throttling,
        Fault::InternalServerError,
        Fault::DropConnection,
    ] {
        app.faults.set_plan(Plan::none().with(fault, 1.0, &READS));
        let reply = app
            .call(Method::GET, "/posts", Some(&app.bob.id_token), None)
            .await;
        assert!(!ok_or_busy(&reply, StatusCode::OK), "{fault:?}");
    }
    app.faults.set_plan(Plan::none());
    let reply = app
        .call(Method::GET, "/posts", Some(&app.bob.id_token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn names_are_claimed_once_each_while_transactions_conflict() {
    let app = &TestApp::spawn().await;
    let mut newcomers = Vec::new();
    for i in 0..6 {
        newcomers.push(app.sign_up(&format!("newcomer{i}")).await);
    }
    let (own, racing) = newcomers.split_at(3);
    app.faults
        .set_plan(Plan::seeded(6).with(Fault::TransactionConflict, 0.3, &TRANSACTIONS));
    // Three people ask for names of their own while three race for one.
    let claims = own
        .iter()
        .zip(["Ivy", "Jay", "Kim"])
        .chain(racing.iter().map(|user| (user, "Olive")));
    let replies: Vec<(String, Reply)> = futures_util::stream::iter(claims)
        .map(|(user, name)| async move { (name.to_owned(), app.set_name(user, name).await) })
        .buffer_unordered(6)
        .collect()
        .await;
    let report = app.faults.report();
    app.faults.set_plan(Plan::none());

    assert!(report.seen("TransactWriteItems") >= 6, "{report:?}");
    let mut olives = 0;
    for (name, reply) in &replies {
        if name == "Olive" && reply.status == StatusCode::CONFLICT {
            continue;
        }
        if ok_or_busy(reply, StatusCode::OK) && name == "Olive" {
            olives += 1;
        }
    }
    assert!(olives <= 1, "{olives} people were given Olive");
    let mut shown = Vec::new();
    for user in &newcomers {
        let me = app
            .call(Method::GET, "/me", Some(&user.id_token), None)
            .await;
        assert_eq!(me.status, StatusCode::OK);
        shown.push(me.body["display_name"].as_str().map(str::to_owned));
    }
    let holding = shown
        .iter()
        .filter(|n| n.as_deref() == Some("Olive"))
        .count();
    assert_eq!(
        holding, olives,
        "GET /me agrees with the answers: {shown:?}"
    );
    for ((name, reply), _) in replies.iter().zip(0..) {
        if reply.status == StatusCode::OK {
            assert!(
                shown.contains(&Some(name.clone())),
                "{name} answered 200 but not held"
            );
        }
    }
}

/// A write that was admitted before its author's suspension landed is still refused:
/// DynamoDB checks the profile in the write's own transaction.
#[tokio::test]
async fn a_write_in_flight_when_a_suspension_lands_is_refused() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "post", "c").await.id;
    let moderator = app.named_moderator().await;
    let reply = app
        .suspend(
            &moderator,
            json!({ "person": app.id_of(&app.bob).await, "length": "1d", "reason": "spamming" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    // The store as the route calls it after admitting Bob, as if his profile had been
    // read a moment before the suspension.
    let config = crate::helpers::config_for(&app.aws, &app.stack);
    let store = backend::store::Store::new(backend::dynamo_client(&config.aws), app.stack.tables());
    let bob = backend::domain::Caller {
        sub: app.bob.sub.clone(),
        moderator: false,
    };
    let title = shared::validate::title("in flight").unwrap();
    let contents = shared::validate::contents("c").unwrap();
    let refused = store.create(&bob, "Bob", title, contents).await;
    assert!(
        matches!(refused, Err(backend::store::StoreError::Suspended(_))),
        "{refused:?}"
    );
    let text = shared::validate::comment("in flight").unwrap();
    let refused = store
        .add_comment(
            backend::domain::PostId::parse(&post.to_string()).unwrap(),
            &bob,
            "Bob",
            text,
            None,
        )
        .await;
    assert!(
        matches!(refused, Err(backend::store::StoreError::Suspended(_))),
        "{refused:?}"
    );
    let (feed, _) = app.list_all(&app.alice, 10).await;
    assert_eq!(feed.len(), 1);
    assert_eq!(app.comment_count(&app.alice, post).await, 0);
}

#[tokio::test]
async fn a_cursor_that_does_not_follow_from_is_a_400() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "post", "c").await.id;
    let first = app.comment(&app.bob, post, "first", None).await;
    let second = app.comment(&app.bob, post, "second", None).await;
    let page = app
        .call(
            Method::GET,
            &format!("/posts/{post}/comments?limit=1"),
            Some(&app.bob.id_token),
            None,
        )
        .await;
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    // The cursor sits on the first thread; a page from the second cannot go on from it.
    let reply = app
        .call(
            Method::GET,
            &format!(
                "/posts/{post}/comments?limit=1&from={}&cursor={cursor}",
                second.id
            ),
            Some(&app.bob.id_token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.error_field(), Some("cursor"));
    // From the first thread, the same cursor goes on to the second.
    let reply = app
        .call(
            Method::GET,
            &format!(
                "/posts/{post}/comments?limit=1&from={}&cursor={cursor}",
                first.id
            ),
            Some(&app.bob.id_token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["comments"][0]["id"], second.id.as_str());
}

#[tokio::test]
async fn reports_are_counted_exactly_while_transactions_conflict() {
    let app = TestApp::spawn().await;
    let people = eight_people(&app).await;
    let moderator = app.named_moderator().await;
    let post = app.create(&app.alice, "reported", "c").await.id;
    let what = format!("/posts/{post}");

    app.faults
        .set_plan(Plan::seeded(8).with(Fault::TransactionConflict, 0.3, &TRANSACTIONS));
    let replies: Vec<Reply> = futures_util::stream::iter(&people[1..])
        .map(|user| app.report(user, &what, json!({ "reason": "spam" })))
        .buffer_unordered(8)
        .collect()
        .await;
    let report = app.faults.report();
    app.faults.set_plan(Plan::none());

    assert!(report.seen("TransactWriteItems") >= 7, "{report:?}");
    let filed = replies
        .iter()
        .filter(|reply| ok_or_busy(reply, StatusCode::CREATED))
        .count();
    assert!(filed >= 6, "only {filed} of 7 filed");
    let queue = app.queue_page(&moderator).await;
    assert_eq!(queue.items.len(), 1, "one entry for one post");
    assert_eq!(queue.items[0].report_count, filed as u64);
}

#[tokio::test]
async fn the_quota_is_exact_while_single_writes_meet_transactions() {
    let app = TestApp::spawn_at(
        backend::Clock::manual(time::OffsetDateTime::now_utc()),
        |c| {
            c.quota.per_minute = 5;
        },
    )
    .await;
    app.faults
        .set_plan(Plan::seeded(5).with(Fault::ConflictWithTransaction, 0.3, &SINGLE_WRITES));
    let replies: Vec<Reply> = futures_util::stream::iter(0..12)
        .map(|i| {
            let body = json!({ "title": format!("quota {i}"), "contents": "c" });
            app.call(
                Method::POST,
                "/posts",
                Some(&app.alice.id_token),
                Some(body),
            )
        })
        .buffer_unordered(12)
        .collect()
        .await;
    let report = app.faults.report();
    app.faults.set_plan(Plan::none());

    assert!(
        report.injected("UpdateItem", Fault::ConflictWithTransaction) >= 1,
        "{report:?}"
    );
    let (mut created, mut busy) = (0, 0);
    for reply in &replies {
        match reply.status {
            StatusCode::TOO_MANY_REQUESTS => {}
            _ if ok_or_busy(reply, StatusCode::CREATED) => created += 1,
            _ => busy += 1,
        }
    }
    let (feed, _) = app.list_all(&app.alice, 100).await;
    assert_eq!(feed.len(), created, "stored is what was answered 201");
    assert!(created <= 5, "{created} posts past a quota of 5");
    // A 503 may come after its unit was taken; nothing else leaves a unit unused.
    assert!(
        created + busy >= 5,
        "{created} created and {busy} busy of a quota of 5"
    );
}

#[tokio::test]
async fn edits_deletes_and_notices_hold_while_comments_pour_in() {
    let app = TestApp::spawn().await;
    let people = eight_people(&app).await;
    let busy = app.create(&app.alice, "busy", "c").await.id;
    let doomed = app.create(&app.alice, "doomed", "c").await.id;
    app.comment(&app.bob, busy, "before", None).await;

    app.faults.set_plan(
        Plan::seeded(11)
            .with(Fault::TransactionConflict, 0.3, &TRANSACTIONS)
            .with(Fault::ConflictWithTransaction, 0.3, &SINGLE_WRITES),
    );
    let comments = futures_util::stream::iter(0..24)
        .map(|i| {
            let (app, user) = (&app, &people[1 + i % (people.len() - 1)]);
            async move {
                let body = json!({ "contents": format!("pouring {i}") });
                app.comment_raw(user, busy, body).await
            }
        })
        .buffer_unordered(24)
        .collect::<Vec<Reply>>();
    let (busy_path, doomed_path) = (format!("/posts/{busy}"), format!("/posts/{doomed}"));
    let edit = app.call(
        Method::PUT,
        &busy_path,
        Some(&app.alice.id_token),
        Some(json!({ "title": "busy, edited", "contents": "c2" })),
    );
    let delete = app.call(
        Method::DELETE,
        &doomed_path,
        Some(&app.alice.id_token),
        None,
    );
    let read = app.call(
        Method::POST,
        "/me/notices/read",
        Some(&app.alice.id_token),
        None,
    );
    let (comments, edit, delete, read) = tokio::join!(comments, edit, delete, read);
    app.faults.set_plan(Plan::none());

    let stored = comments
        .iter()
        .filter(|reply| ok_or_busy(reply, StatusCode::CREATED))
        .count();
    if ok_or_busy(&edit, StatusCode::OK) {
        assert_eq!(app.get(&app.alice, busy).await.post().title, "busy, edited");
    }
    if ok_or_busy(&delete, StatusCode::NO_CONTENT) {
        assert_eq!(
            app.get(&app.alice, doomed).await.status,
            StatusCode::NOT_FOUND
        );
    }
    ok_or_busy(&read, StatusCode::NO_CONTENT);
    assert_eq!(app.comment_count(&app.alice, busy).await, stored as u64 + 1);
    let (thread, _) = app.thread(&app.alice, busy, 100).await;
    assert_eq!(thread.len(), stored + 1);
}

#[tokio::test]
async fn suspensions_and_dismissals_are_logged_once_each_while_transactions_conflict() {
    let app = TestApp::spawn().await;
    let people = eight_people(&app).await;
    let moderator = app.named_moderator().await;
    // Six people's posts, each reported by Alice.
    let mut targets = Vec::new();
    for user in &people[2..] {
        let post = app.create(user, "reported", "c").await.id;
        let filed = app
            .report(
                &app.alice,
                &format!("/posts/{post}"),
                json!({ "reason": "spam" }),
            )
            .await;
        assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
        targets.push((app.id_of(user).await, post));
    }

    app.faults
        .set_plan(Plan::seeded(9).with(Fault::TransactionConflict, 0.3, &TRANSACTIONS));
    // Three reports dismissed and three authors suspended, all at once.
    let actions = targets.iter().enumerate().map(|(i, (person, post))| {
        let (app, moderator) = (&app, &moderator);
        async move {
            if i < 3 {
                let path = format!("/moderation/queue/post-{post}?reason=fine");
                let reply = app
                    .call(Method::DELETE, &path, Some(&moderator.id_token), None)
                    .await;
                (StatusCode::NO_CONTENT, reply)
            } else {
                let body = json!({ "person": person, "length": "1d", "reason": "spam",
                                   "target": format!("post-{post}") });
                (StatusCode::CREATED, app.suspend(moderator, body).await)
            }
        }
    });
    let replies = futures_util::future::join_all(actions).await;
    let report = app.faults.report();
    app.faults.set_plan(Plan::none());

    assert!(report.seen("TransactWriteItems") >= 6, "{report:?}");
    let done = replies
        .iter()
        .filter(|(ok, reply)| ok_or_busy(reply, *ok))
        .count();
    // Each action done is in the log exactly once and took its report off the queue;
    // each answered 503 left both as they were.
    assert_eq!(app.log_page(&app.bob).await.entries.len(), done);
    assert_eq!(app.queue_page(&moderator).await.items.len(), 6 - done);
}
