//! Notices: who gets one, who does not, read and unread, and gone with the post.

use axum::http::{Method, StatusCode};
use shared::{NoticeKind, NoticePage};

use crate::helpers::{TestApp, User};

impl TestApp {
    pub async fn notices(&self, user: &User) -> NoticePage {
        let reply = self
            .call(
                Method::GET,
                "/me/notices?limit=100",
                Some(&user.id_token),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_value(reply.body).unwrap()
    }

    pub async fn unread(&self, user: &User) -> u64 {
        let me = self
            .call(Method::GET, "/me", Some(&user.id_token), None)
            .await;
        me.body["unread_notices"].as_u64().unwrap()
    }
}

#[tokio::test]
async fn answers_notify_the_person_answered_and_nobody_else() {
    let app = TestApp::spawn().await;
    let carol = app.sign_up("carol").await;
    app.name(&carol, "Carol").await;
    let post = app.create(&app.alice, "Alice's post", "hello").await.id;
    // Your own comment on your own post notifies nobody.
    app.comment(&app.alice, post, "my own note", None).await;
    assert_eq!(app.unread(&app.alice).await, 0);

    let bobs = app.comment(&app.bob, post, "Bob answers Alice", None).await;
    let alice = app.notices(&app.alice).await;
    assert_eq!(alice.notices.len(), 1);
    let notice = &alice.notices[0];
    assert_eq!(notice.kind, NoticeKind::Comment);
    assert_eq!(
        (notice.post_id, notice.post_title.as_str()),
        (post, "Alice's post")
    );
    assert_eq!(notice.comment_id, bobs.id);
    assert_eq!(notice.actor.name.as_deref(), Some("Bob"));
    assert_eq!(notice.excerpt, "Bob answers Alice");
    assert!(notice.unread);

    // A reply notifies the comment's author, not the post's.
    let reply = app
        .comment(&carol, post, "Carol answers Bob", Some(&bobs.id))
        .await;
    let bob = app.notices(&app.bob).await;
    assert_eq!(bob.notices.len(), 1);
    assert_eq!(bob.notices[0].kind, NoticeKind::Reply);
    assert_eq!(bob.notices[0].comment_id, reply.id);
    assert_eq!(
        app.notices(&app.alice).await.notices.len(),
        1,
        "Alice got no second"
    );
    assert!(app.notices(&carol).await.notices.is_empty());
}

#[tokio::test]
async fn opening_the_notices_marks_them_read_newest_first() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "p", "c").await.id;
    for i in 0..3 {
        app.comment(&app.bob, post, &format!("n{i}"), None).await;
    }
    assert_eq!(app.unread(&app.alice).await, 3);
    let page = app.notices(&app.alice).await;
    let words: Vec<&str> = page.notices.iter().map(|n| n.excerpt.as_str()).collect();
    assert_eq!(words, ["n2", "n1", "n0"], "newest first");
    let read = app
        .call(
            Method::POST,
            "/me/notices/read",
            Some(&app.alice.id_token),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::NO_CONTENT);
    assert_eq!(app.unread(&app.alice).await, 0);
    assert!(
        app.notices(&app.alice)
            .await
            .notices
            .iter()
            .all(|n| !n.unread)
    );
    app.comment(&app.bob, post, "n3", None).await;
    assert_eq!(app.unread(&app.alice).await, 1);
    let page = app.notices(&app.alice).await;
    assert_eq!(
        page.notices.iter().map(|n| n.unread).collect::<Vec<_>>(),
        [true, false, false, false]
    );
}

#[tokio::test]
async fn a_deleted_comment_takes_its_notice_with_it() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "p", "c").await.id;
    let comment = app.comment(&app.bob, post, "regretted", None).await;
    assert_eq!(app.unread(&app.alice).await, 1);
    let delete = app
        .call(
            Method::DELETE,
            &format!("/posts/{post}/comments/{}", comment.id),
            Some(&app.bob.id_token),
            None,
        )
        .await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
    assert_eq!(app.unread(&app.alice).await, 0);
    assert!(app.notices(&app.alice).await.notices.is_empty());
}

#[tokio::test]
async fn notices_expire_after_thirty_days() {
    let clock = backend::Clock::manual(time::macros::datetime!(2027-03-01 12:00:00 UTC));
    let app = TestApp::spawn_at(clock, |_| {}).await;
    let post = app.create(&app.alice, "p", "c").await.id;
    app.comment(&app.bob, post, "hello", None).await;
    app.clock
        .advance(backend::store::notices::LIFETIME - std::time::Duration::from_secs(1));
    assert_eq!(app.notices(&app.alice).await.notices.len(), 1);
    app.clock.advance(std::time::Duration::from_secs(1));
    assert!(app.notices(&app.alice).await.notices.is_empty());
    assert_eq!(app.unread(&app.alice).await, 0);
}

#[tokio::test]
async fn the_unread_count_stops_at_99() {
    use futures_util::StreamExt;
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "popular", "c").await.id;
    let written: Vec<_> = futures_util::stream::iter(0..105)
        .map(|i| {
            let app = &app;
            async move {
                app.comment(&app.bob, post, &format!("answer {i}"), None)
                    .await
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert_eq!(written.len(), 105);
    assert_eq!(app.unread(&app.alice).await, 99, "99 means 99 or more");
}

#[tokio::test]
async fn notices_expire_after_30_days_and_log_entries_after_400() {
    let clock = backend::Clock::manual(time::OffsetDateTime::now_utc());
    let app = TestApp::spawn_at(clock, |_| {}).await;
    let post = app.create(&app.alice, "p", "c").await.id;
    app.comment(&app.bob, post, "hello", None).await;
    let moderator = app.named_moderator().await;
    let doomed = app.create(&app.bob, "doomed", "c").await.id;
    let removed = app
        .call(
            axum::http::Method::DELETE,
            &format!("/posts/{doomed}"),
            Some(&moderator.id_token),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(app.unread(&app.alice).await, 1);
    assert_eq!(app.log_page(&app.alice).await.entries.len(), 1);

    app.clock
        .advance(std::time::Duration::from_secs(30 * 86_400 - 60));
    assert_eq!(app.unread(&app.alice).await, 1, "still within 30 days");
    app.clock.advance(std::time::Duration::from_secs(120));
    assert_eq!(app.unread(&app.alice).await, 0);
    assert!(app.notices(&app.alice).await.notices.is_empty());
    assert_eq!(
        app.log_page(&app.alice).await.entries.len(),
        1,
        "kept 400 days"
    );
    app.clock
        .advance(std::time::Duration::from_secs(370 * 86_400));
    assert!(app.log_page(&app.alice).await.entries.is_empty());
}
