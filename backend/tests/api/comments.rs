//! Comments: threads, replies, edits, deletes with placeholders, counts under
//! concurrency, and a post's delete taking its comments along.

use axum::http::{Method, StatusCode};
use futures_util::StreamExt;
use serde_json::{Value, json};
use shared::{Comment, CommentPage};

use crate::helpers::{TestApp, User};

impl TestApp {
    /// `POST /posts/{post}/comments` as `user`.
    pub async fn comment_raw(&self, user: &User, post: u64, body: Value) -> crate::helpers::Reply {
        self.call(
            Method::POST,
            &format!("/posts/{post}/comments"),
            Some(&user.id_token),
            Some(body),
        )
        .await
    }

    /// A comment (or a reply to `reply_to`), failing the test if it is refused.
    pub async fn comment(
        &self,
        user: &User,
        post: u64,
        contents: &str,
        reply_to: Option<&str>,
    ) -> Comment {
        let mut body = json!({ "contents": contents });
        if let Some(target) = reply_to {
            body["reply_to"] = json!(target);
        }
        let reply = self.comment_raw(user, post, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(
            reply.headers["location"],
            format!(
                "/posts/{post}/comments/{}",
                reply.body["id"].as_str().unwrap()
            )
        );
        serde_json::from_value(reply.body).unwrap()
    }

    /// Every comment of `post`, page by page, and how many pages it took.
    pub async fn thread(&self, user: &User, post: u64, limit: u32) -> (Vec<Comment>, usize) {
        let mut comments = Vec::new();
        let mut cursor: Option<String> = None;
        for pages in 1.. {
            let path = match &cursor {
                Some(c) => format!("/posts/{post}/comments?limit={limit}&cursor={c}"),
                None => format!("/posts/{post}/comments?limit={limit}"),
            };
            let reply = self
                .call(Method::GET, &path, Some(&user.id_token), None)
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            let page: CommentPage = serde_json::from_value(reply.body).unwrap();
            assert!(page.comments.len() <= limit as usize);
            comments.extend(page.comments);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return (comments, pages),
            }
            assert!(pages < 1000, "paging does not end");
        }
        unreachable!()
    }

    pub async fn comment_count(&self, user: &User, post: u64) -> u64 {
        let reply = self.get(user, post).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.post().comment_count
    }
}

fn words(comments: &[Comment]) -> Vec<&str> {
    comments
        .iter()
        .map(|c| c.contents.as_deref().unwrap_or("(deleted)"))
        .collect()
}

#[tokio::test]
async fn a_thread_reads_oldest_first_with_each_comments_replies_under_it() {
    let app = TestApp::spawn().await;
    let post = app
        .create(&app.alice, "a question", "what do you think?")
        .await
        .id;
    let first = app.comment(&app.bob, post, "first", None).await;
    let second = app.comment(&app.alice, post, "second", None).await;
    let reply = app
        .comment(&app.alice, post, "reply to first", Some(&first.id))
        .await;
    // A reply to a reply joins the same thread and says whom it answers.
    let deeper = app
        .comment(&app.bob, post, "reply to the reply", Some(&reply.id))
        .await;
    assert_eq!(deeper.thread.as_deref(), Some(first.id.as_str()));
    assert_eq!(
        deeper.reply_to.as_ref().map(|a| a.id.clone()),
        Some(app.id_of(&app.alice).await)
    );
    assert_eq!(
        deeper.reply_to.as_ref().and_then(|a| a.name.as_deref()),
        Some("Alice")
    );
    assert_eq!(reply.thread.as_deref(), Some(first.id.as_str()));
    assert_eq!(first.thread, None);

    let (thread, _) = app.thread(&app.alice, post, 20).await;
    assert_eq!(
        words(&thread),
        ["first", "reply to first", "reply to the reply", "second"]
    );
    assert_eq!(
        thread[0].author.as_ref().and_then(|a| a.name.as_deref()),
        Some("Bob")
    );
    assert_eq!(thread[3].id, second.id);
    assert_eq!(app.comment_count(&app.alice, post).await, 4);
    let (feed, _) = app.list_all(&app.alice, 20).await;
    assert_eq!(feed[0].comment_count, 4, "the feed shows the count too");
}

#[tokio::test]
async fn a_thread_of_250_comments_pages_with_every_comment_exactly_once() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "busy", "talk").await.id;
    let mut written = Vec::new();
    for i in 0..250 {
        // Every fifth a reply to the last comment under the post.
        let target = (i % 5 == 4)
            .then(|| {
                written
                    .iter()
                    .rev()
                    .find_map(|c: &Comment| c.thread.is_none().then(|| c.id.clone()))
            })
            .flatten();
        written.push(
            app.comment(&app.bob, post, &format!("c{i}"), target.as_deref())
                .await,
        );
    }
    let (thread, pages) = app.thread(&app.alice, post, 7).await;
    assert_eq!(pages, 250usize.div_ceil(7));
    let mut seen: Vec<&str> = thread.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(seen.len(), 250);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 250, "no comment twice");
    assert_eq!(app.comment_count(&app.alice, post).await, 250);

    // A link to one comment opens its thread's page.
    let target = &written[201];
    let head = target.thread.clone().unwrap_or_else(|| target.id.clone());
    let reply = app
        .call(
            Method::GET,
            &format!("/posts/{post}/comments?limit=5&from={}", target.id),
            Some(&app.alice.id_token),
            None,
        )
        .await;
    let page: CommentPage = serde_json::from_value(reply.body).unwrap();
    assert_eq!(page.comments[0].id, head);
    assert!(page.comments.iter().any(|c| c.id == target.id));
}

#[tokio::test]
async fn a_deleted_comment_with_replies_leaves_a_placeholder_and_one_without_goes() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "p", "c").await.id;
    let answered = app.comment(&app.bob, post, "answered", None).await;
    let lonely = app.comment(&app.bob, post, "lonely", None).await;
    let reply = app
        .comment(&app.alice, post, "an answer", Some(&answered.id))
        .await;
    for id in [&answered.id, &lonely.id] {
        let reply = app
            .call(
                Method::DELETE,
                &format!("/posts/{post}/comments/{id}"),
                Some(&app.bob.id_token),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    }
    let (thread, _) = app.thread(&app.alice, post, 20).await;
    assert_eq!(words(&thread), ["(deleted)", "an answer"]);
    assert!(thread[0].deleted && thread[0].author.is_none());
    assert_eq!(app.comment_count(&app.alice, post).await, 1);
    // A placeholder cannot be answered, edited or deleted again.
    let again = app
        .comment_raw(
            &app.alice,
            post,
            json!({ "contents": "x", "reply_to": answered.id }),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // Its last reply gone, the placeholder goes too.
    let gone = app
        .call(
            Method::DELETE,
            &format!("/posts/{post}/comments/{}", reply.id),
            Some(&app.alice.id_token),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let (thread, _) = app.thread(&app.alice, post, 20).await;
    assert!(thread.is_empty(), "{thread:?}");
    assert_eq!(app.comment_count(&app.alice, post).await, 0);
}

#[tokio::test]
async fn only_authors_edit_and_moderators_delete_anyones_comment() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator("mod").await;
    app.name(&moderator, "Kim Mina").await;
    let post = app.create(&app.alice, "p", "c").await.id;
    let comment = app.comment(&app.bob, post, "bob's words", None).await;
    let path = format!("/posts/{post}/comments/{}", comment.id);
    for user in [&app.alice, &moderator] {
        let edit = app
            .call(
                Method::PUT,
                &path,
                Some(&user.id_token),
                Some(json!({ "contents": "changed" })),
            )
            .await;
        assert_eq!(
            (edit.status, edit.error_code()),
            (StatusCode::FORBIDDEN, "forbidden")
        );
    }
    let delete = app
        .call(Method::DELETE, &path, Some(&app.alice.id_token), None)
        .await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    let (thread, _) = app.thread(&app.alice, post, 20).await;
    assert_eq!(words(&thread), ["bob's words"], "unchanged");

    let edit = app
        .call(
            Method::PUT,
            &path,
            Some(&app.bob.id_token),
            Some(json!({ "contents": "better" })),
        )
        .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    assert_eq!(edit.body["contents"], "better");
    assert_ne!(edit.body["updated_at"], edit.body["created_at"]);

    let delete = app
        .call(Method::DELETE, &path, Some(&moderator.id_token), None)
        .await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
    assert!(app.thread(&app.alice, post, 20).await.0.is_empty());
}

#[tokio::test]
async fn comments_follow_the_text_rules_and_malformed_ids_are_a_400() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "p", "c").await.id;
    for (body, field) in [
        (json!({ "contents": " " }), "contents"),
        (json!({ "contents": "x".repeat(5001) }), "contents"),
        (json!({ "contents": "a\u{202E}b" }), "contents"),
        (json!({ "contents": "ok", "extra": 1 }), "extra"),
    ] {
        let reply = app.comment_raw(&app.bob, post, body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert_eq!(reply.error_field(), Some(field));
    }
    let long = app
        .comment_raw(&app.bob, post, json!({ "contents": "가".repeat(5000) }))
        .await;
    assert_eq!(long.status, StatusCode::CREATED, "5,000 characters fit");
    let bad = app
        .comment_raw(
            &app.bob,
            post,
            json!({ "contents": "x", "reply_to": "nope" }),
        )
        .await;
    assert_eq!(
        (bad.status, bad.error_field()),
        (StatusCode::BAD_REQUEST, Some("reply_to"))
    );
    let missing = app
        .comment_raw(&app.bob, 999, json!({ "contents": "x" }))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let path = format!("/posts/{post}/comments/not-an-id");
    let reply = app
        .call(Method::DELETE, &path, Some(&app.bob.id_token), None)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.comment_count(&app.alice, post).await,
        1,
        "refusals stored nothing"
    );
}

#[tokio::test]
async fn writing_a_comment_needs_a_name_and_takes_a_unit_of_the_quota() {
    // The clock stands still: the minute cannot turn between the writes.
    let clock = backend::Clock::manual(time::OffsetDateTime::now_utc());
    let app = TestApp::spawn_at(clock, |config| config.quota.per_minute = 2).await;
    let post = app.create(&app.alice, "p", "c").await.id;
    let nameless = app.sign_up("nameless").await;
    let refused = app
        .comment_raw(&nameless, post, json!({ "contents": "hi" }))
        .await;
    assert_eq!(refused.error_code(), "name_required");
    app.comment(&app.bob, post, "one", None).await;
    // A refused request costs nothing.
    let invalid = app
        .comment_raw(&app.bob, post, json!({ "contents": "" }))
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.comment(&app.bob, post, "two", None).await;
    let over = app
        .comment_raw(&app.bob, post, json!({ "contents": "three" }))
        .await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(over.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn sixty_four_people_commenting_at_once_are_all_stored_and_counted() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "popular", "say something").await.id;
    let app = &app;
    let people = futures_util::future::join_all((0..64).map(|i| async move {
        let user = app.sign_up(&format!("p{i}")).await;
        app.name(&user, &format!("Person {i}")).await;
        user
    }))
    .await;
    let statuses: Vec<StatusCode> = futures_util::stream::iter(people.iter().enumerate())
        .map(|(i, user)| async move {
            app.comment_raw(user, post, json!({ "contents": format!("hello {i}") }))
                .await
                .status
        })
        .buffer_unordered(64)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    let (thread, _) = app.thread(&app.alice, post, 100).await;
    assert_eq!(thread.len(), 64);
    assert_eq!(
        app.comment_count(&app.alice, post).await,
        64,
        "the count is exact"
    );
}

#[tokio::test]
async fn a_deleted_posts_thousand_comments_are_unreadable_at_once_and_then_removed() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "doomed", "soon gone").await.id;
    let app = &app;
    let statuses: Vec<StatusCode> = futures_util::stream::iter(0..1000)
        .map(|i| async move {
            app.comment_raw(&app.bob, post, json!({ "contents": format!("c{i}") }))
                .await
                .status
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED));
    assert_eq!(app.comment_count(&app.alice, post).await, 1000);
    let one = app.thread(&app.alice, post, 1).await;
    let some_id = one.0[0].id.clone();

    let delete = app
        .call(
            Method::DELETE,
            &format!("/posts/{post}"),
            Some(&app.alice.id_token),
            None,
        )
        .await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
    let list = app
        .call(
            Method::GET,
            &format!("/posts/{post}/comments"),
            Some(&app.alice.id_token),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::NOT_FOUND);
    let edit = app
        .call(
            Method::PUT,
            &format!("/posts/{post}/comments/{some_id}"),
            Some(&app.bob.id_token),
            Some(json!({ "contents": "still here?" })),
        )
        .await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND, "{}", edit.body);
    let notices = app
        .call(
            Method::GET,
            "/me/notices?limit=100",
            Some(&app.alice.id_token),
            None,
        )
        .await;
    assert_eq!(
        notices.body["notices"],
        json!([]),
        "no notice of a deleted post"
    );

    // What the request left, the cleanup removes: the partition ends empty.
    let store = backend::store::Store::new(app.aws.dynamo.clone(), app.stack.tables());
    let post_id = backend::domain::PostId::parse(&post.to_string()).unwrap();
    assert!(store.purge_comments(post_id, usize::MAX).await.unwrap());
    assert_eq!(left_in(app, format!("post#{post}")).await, 0);
    let notices_left = left_in(app, format!("notice#{}", app.alice.sub)).await;
    assert_eq!(notices_left, 0, "the notices went with the comments");
}

/// The items left in a partition of the comments table.
async fn left_in(app: &TestApp, partition: String) -> i32 {
    app.aws
        .dynamo
        .query()
        .table_name(&app.stack.comments_table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", aws_sdk_dynamodb::types::AttributeValue::S(partition))
        .send()
        .await
        .unwrap()
        .count
}

#[tokio::test]
async fn inside_lambda_the_stream_function_removes_what_the_delete_left() {
    // As inside Lambda: the delete removes its first slice, the rest is the stream's.
    let app = TestApp::spawn_with(|config| config.in_lambda = true).await;
    let post = app.create(&app.alice, "long thread", "c").await.id;
    let app = &app;
    let statuses: Vec<StatusCode> = futures_util::stream::iter(0..150)
        .map(|i| async move {
            app.comment_raw(&app.bob, post, json!({ "contents": format!("c{i}") }))
                .await
                .status
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED));
    let delete = app
        .call(
            Method::DELETE,
            &format!("/posts/{post}"),
            Some(&app.alice.id_token),
            None,
        )
        .await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
    let partition = format!("post#{post}");
    let left = left_in(app, partition.clone()).await;
    assert!(
        left > 0 && left < 150,
        "a bounded slice went with the request: {left} left"
    );

    // What the posts table's stream hands the cleanup function for the delete.
    let event = serde_json::from_value(json!({
        "Records": [{
            "eventID": "1", "eventName": "REMOVE", "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "eu-west-1",
            "dynamodb": {"Keys": {"id": {"N": post.to_string()}}, "SequenceNumber": "1",
                         "SizeBytes": 10, "StreamViewType": "KEYS_ONLY"}
        }]
    }))
    .unwrap();
    let store = backend::store::Store::new(app.aws.dynamo.clone(), app.stack.tables());
    assert_eq!(backend::cleanup::handle(&store, event).await.unwrap(), 1);
    assert_eq!(left_in(app, partition).await, 0);
    assert_eq!(left_in(app, format!("notice#{}", app.alice.sub)).await, 0);
}
