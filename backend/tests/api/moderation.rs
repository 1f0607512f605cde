//! Reports, the moderators' queue, suspensions and the public moderation log.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use backend::Clock;
use serde_json::{Value, json};
use shared::{LogPage, Profile, QueuePage, SuspensionList};
use time::OffsetDateTime;

use crate::helpers::{Reply, TestApp, User};

impl TestApp {
    /// `POST <what>/reports` as `user`.
    pub async fn report(&self, user: &User, what: &str, body: Value) -> Reply {
        self.call(
            Method::POST,
            &format!("{what}/reports"),
            Some(&user.id_token),
            Some(body),
        )
        .await
    }

    async fn queue(&self, user: &User) -> Reply {
        self.call(Method::GET, "/moderation/queue", Some(&user.id_token), None)
            .await
    }

    pub async fn queue_page(&self, moderator: &User) -> QueuePage {
        let reply = self.queue(moderator).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_value(reply.body).unwrap()
    }

    pub async fn log_page(&self, user: &User) -> LogPage {
        let reply = self
            .call(Method::GET, "/moderation/log", Some(&user.id_token), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_value(reply.body).unwrap()
    }

    pub async fn suspend(&self, moderator: &User, body: Value) -> Reply {
        self.call(
            Method::POST,
            "/moderation/suspensions",
            Some(&moderator.id_token),
            Some(body),
        )
        .await
    }

    /// A moderator with a display name.
    pub async fn named_moderator(&self) -> User {
        let moderator = self.moderator("mod").await;
        self.name(&moderator, "Mina").await;
        moderator
    }
}

fn spam(note: &str) -> Value {
    json!({ "reason": "spam", "note": note })
}

#[tokio::test]
async fn a_report_is_filed_once_and_reporting_again_says_already_reported() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "cheap pills", "buy now").await;
    let what = format!("/posts/{}", post.id);
    let first = app.report(&app.bob, &what, spam("sells pills")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["target"], format!("post-{}", post.id));
    assert_eq!(first.body["reason"], "spam");
    let again = app
        .report(&app.bob, &what, json!({ "reason": "abuse" }))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "already_reported");

    let moderator = app.named_moderator().await;
    let queue = app.queue_page(&moderator).await;
    assert_eq!(queue.items.len(), 1);
    let entry = &queue.items[0];
    assert_eq!(entry.report_count, 1);
    assert_eq!(entry.title, "cheap pills");
    assert_eq!(entry.author.name.as_deref(), Some("Alice"));
    assert_eq!(entry.reports.len(), 1);
    assert_eq!(entry.reports[0].note.as_deref(), Some("sells pills"));
}

#[tokio::test]
async fn the_same_person_reporting_twice_at_once_stores_one_report() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "p", "c").await;
    let what = format!("/posts/{}", post.id);
    let (a, b) = tokio::join!(
        app.report(&app.bob, &what, json!({ "reason": "spam" })),
        app.report(&app.bob, &what, json!({ "reason": "abuse" })),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    let moderator = app.named_moderator().await;
    let queue = app.queue_page(&moderator).await;
    assert_eq!(queue.items.len(), 1);
    assert_eq!(queue.items[0].report_count, 1);
    assert_eq!(queue.items[0].reports.len(), 1);
    let reasons: u64 = queue.items[0].reasons.iter().map(|r| r.count).sum();
    assert_eq!(reasons, 1);
}

#[tokio::test]
async fn reports_are_grouped_by_target_newest_first_and_only_moderators_see_the_queue() {
    let app = TestApp::spawn().await;
    let carol = app.sign_up("carol").await;
    app.name(&carol, "Carol").await;
    let older = app.create(&app.alice, "older", "c").await.id;
    let newer = app.create(&app.alice, "newer", "c").await.id;
    let comment = app
        .comment(&app.alice, newer, "rude words here", None)
        .await;
    for (user, reason) in [(&app.bob, "spam"), (&carol, "spam")] {
        let reply = app
            .report(
                user,
                &format!("/posts/{older}"),
                json!({ "reason": reason }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let reply = app
        .report(
            &carol,
            &format!("/posts/{newer}/comments/{}", comment.id),
            json!({ "reason": "abuse", "note": "insults" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    // Readers see nothing of it.
    let refused = app.queue(&app.bob).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.error_code(), "forbidden");

    let moderator = app.named_moderator().await;
    let queue = app.queue_page(&moderator).await;
    let targets: Vec<&str> = queue.items.iter().map(|i| i.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            format!("comment-{newer}-{}", comment.id),
            format!("post-{older}")
        ]
    );
    assert_eq!(queue.items[0].title, "rude words here");
    assert_eq!(
        queue.items[0].comment_id.as_deref(),
        Some(comment.id.as_str())
    );
    assert_eq!(queue.items[1].report_count, 2);
    assert_eq!(
        serde_json::to_value(&queue.items[1].reasons).unwrap(),
        json!([{ "reason": "spam", "count": 2 }])
    );
}

#[tokio::test]
async fn nobody_reports_their_own_words_or_without_a_name_and_notes_follow_the_rules() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "p", "c").await;
    let what = format!("/posts/{}", post.id);
    let own = app
        .report(&app.alice, &what, json!({ "reason": "spam" }))
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let nameless = app.sign_up("nameless").await;
    let reply = app
        .report(&nameless, &what, json!({ "reason": "spam" }))
        .await;
    assert_eq!(reply.error_code(), "name_required");
    let long = app.report(&app.bob, &what, spam(&"x".repeat(501))).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(long.error_field(), Some("note"));
    let unknown = app
        .report(&app.bob, &what, json!({ "reason": "boring" }))
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let gone = app
        .report(&app.bob, "/posts/999999", json!({ "reason": "spam" }))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn dismissing_closes_every_report_on_it_and_appears_in_the_log_once() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "fine really", "c").await;
    let what = format!("/posts/{}", post.id);
    app.report(&app.bob, &what, spam("")).await;
    let moderator = app.named_moderator().await;
    let dismissed = app
        .call(
            Method::DELETE,
            &format!("/moderation/queue/post-{}?reason=not%20spam", post.id),
            Some(&moderator.id_token),
            None,
        )
        .await;
    assert_eq!(
        dismissed.status,
        StatusCode::NO_CONTENT,
        "{}",
        dismissed.body
    );
    assert!(app.queue_page(&moderator).await.items.is_empty());
    let again = app
        .call(
            Method::DELETE,
            &format!("/moderation/queue/post-{}", post.id),
            Some(&moderator.id_token),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // Bob reported it once and for good; someone new opens it again.
    let bob_again = app.report(&app.bob, &what, spam("")).await;
    assert_eq!(bob_again.error_code(), "already_reported");
    let carol = app.sign_up("carol").await;
    app.name(&carol, "Carol").await;
    app.report(&carol, &what, spam("")).await;
    let queue = app.queue_page(&moderator).await;
    assert_eq!(queue.items.len(), 1);
    assert_eq!(queue.items[0].report_count, 1, "only the new round counts");

    let log = app.log_page(&app.bob).await;
    assert_eq!(log.entries.len(), 1, "{log:?}");
    let entry = &log.entries[0];
    assert_eq!(serde_json::to_value(entry.kind).unwrap(), json!("dismiss"));
    assert_eq!(entry.moderator, "Mina");
    assert_eq!(
        entry.target.as_deref(),
        Some(format!("post-{}", post.id).as_str())
    );
    assert_eq!(entry.person.as_deref(), Some("Alice"));
    assert_eq!(entry.reason.as_deref(), Some("not spam"));
}

#[tokio::test]
async fn a_moderators_removal_closes_the_reports_and_is_logged_exactly_once_without_the_words() {
    let app = TestApp::spawn().await;
    let post = app
        .create(&app.alice, "a title", "the removed words")
        .await
        .id;
    let comment = app
        .comment(
            &app.alice,
            post,
            "one two three four five six seven eight nine ten",
            None,
        )
        .await;
    app.report(&app.bob, &format!("/posts/{post}"), spam(""))
        .await;
    let moderator = app.named_moderator().await;
    let removed = app
        .call(
            Method::DELETE,
            &format!("/posts/{post}/comments/{}?reason=insults", comment.id),
            Some(&moderator.id_token),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    let removed = app
        .call(
            Method::DELETE,
            &format!("/posts/{post}?reason=spam"),
            Some(&moderator.id_token),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    // Once gone, again is a 404, and no second entry.
    let again = app
        .call(
            Method::DELETE,
            &format!("/posts/{post}"),
            Some(&moderator.id_token),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // An author removing their own words is no moderator action.
    let own = app.create(&app.alice, "mine", "c").await.id;
    let mine = app
        .call(
            Method::DELETE,
            &format!("/posts/{own}"),
            Some(&app.alice.id_token),
            None,
        )
        .await;
    assert_eq!(mine.status, StatusCode::NO_CONTENT);

    assert!(app.queue_page(&moderator).await.items.is_empty());
    let log = app.log_page(&app.bob).await;
    let kinds: Vec<Value> = log
        .entries
        .iter()
        .map(|e| serde_json::to_value(e.kind).unwrap())
        .collect();
    assert_eq!(kinds, [json!("delete_post"), json!("delete_comment")]);
    assert_eq!(log.entries[0].reason.as_deref(), Some("spam"));
    // The removed words are nowhere in the public log: not the title, not the first
    // words of the comment, not a word of either.
    let text = serde_json::to_string(&log).unwrap();
    for removed in ["a title", "one two", "eight"] {
        assert!(!text.contains(removed), "{removed}: {text}");
    }
    assert!(!text.contains("the removed words"), "{text}");
    assert!(!text.contains("nine ten"), "{text}");
}

#[tokio::test]
async fn a_suspended_person_cannot_write_anything_but_reads_on_until_it_ends() {
    let clock = Clock::manual(OffsetDateTime::now_utc());
    let app = TestApp::spawn_at(clock, |_| {}).await;
    let bobs = app.create(&app.bob, "bob's post", "c").await.id;
    let comment = app.comment(&app.bob, bobs, "bob's comment", None).await;
    let alices = app.create(&app.alice, "alice's post", "c").await.id;
    app.report(&app.alice, &format!("/posts/{bobs}"), spam(""))
        .await;
    let moderator = app.named_moderator().await;
    let reply = app
        .suspend(
            &moderator,
            json!({ "person": app.id_of(&app.bob).await, "length": "1d", "reason": "spamming",
                    "target": format!("post-{bobs}") }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["person"]["name"], "Bob");
    let until = reply.body["until"].as_str().unwrap().to_owned();
    assert!(
        app.queue_page(&moderator).await.items.is_empty(),
        "its reports closed"
    );

    let writes: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/posts".into(),
            json!({ "title": "t", "contents": "c" }),
        ),
        (
            Method::POST,
            "/post".into(),
            json!({ "title": "t", "contents": "c" }),
        ),
        (
            Method::PUT,
            format!("/posts/{bobs}"),
            json!({ "title": "t", "contents": "c" }),
        ),
        (
            Method::POST,
            format!("/posts/{alices}/comments"),
            json!({ "contents": "c" }),
        ),
        (
            Method::PUT,
            format!("/posts/{bobs}/comments/{}", comment.id),
            json!({ "contents": "c" }),
        ),
        (
            Method::PUT,
            "/me/name".into(),
            json!({ "display_name": "Robert" }),
        ),
        (
            Method::POST,
            format!("/posts/{alices}/reports"),
            json!({ "reason": "spam" }),
        ),
    ];
    for (method, path, body) in &writes {
        let reply = app
            .call(
                method.clone(),
                path,
                Some(&app.bob.id_token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            reply.body
        );
        assert_eq!(reply.error_code(), "suspended", "{method} {path}");
        assert_eq!(reply.body["error"]["suspension"]["until"], until.as_str());
        assert_eq!(reply.body["error"]["suspension"]["reason"], "spamming");
    }
    // Reading goes on, and the profile says why.
    assert_eq!(app.get(&app.bob, alices).await.status, StatusCode::OK);
    let me = app
        .call(Method::GET, "/me", Some(&app.bob.id_token), None)
        .await;
    let me: Profile = serde_json::from_value(me.body).unwrap();
    assert_eq!(
        me.suspension.as_ref().map(|s| s.reason.as_str()),
        Some("spamming")
    );
    let listed = app
        .call(
            Method::GET,
            "/moderation/suspensions",
            Some(&moderator.id_token),
            None,
        )
        .await;
    let listed: SuspensionList = serde_json::from_value(listed.body).unwrap();
    assert_eq!(listed.suspensions.len(), 1);
    assert_eq!(listed.suspensions[0].by, "Mina");

    // A day later it is over, by itself.
    app.clock.advance(Duration::from_secs(86_400));
    for (method, path, body) in &writes[..4] {
        let reply = app
            .call(
                method.clone(),
                path,
                Some(&app.bob.id_token),
                Some(body.clone()),
            )
            .await;
        assert!(reply.status.is_success(), "{method} {path}: {}", reply.body);
    }
    let listed = app
        .call(
            Method::GET,
            "/moderation/suspensions",
            Some(&moderator.id_token),
            None,
        )
        .await;
    assert_eq!(listed.body["suspensions"], json!([]));
    let log = app.log_page(&app.alice).await;
    assert_eq!(log.entries.len(), 1);
    assert_eq!(log.entries[0].until.as_deref(), Some(until.as_str()));
    assert_eq!(
        log.entries[0].target.as_deref(),
        Some(format!("post-{bobs}").as_str())
    );
}

#[tokio::test]
async fn a_suspension_until_lifted_ends_when_a_moderator_lifts_it() {
    let app = TestApp::spawn().await;
    let moderator = app.named_moderator().await;
    let reply = app
        .suspend(
            &moderator,
            json!({ "person": app.id_of(&app.bob).await, "length": "until_lifted", "reason": "threats" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(reply.body.get("until").is_none());
    let refused = app
        .call(
            Method::POST,
            "/posts",
            Some(&app.bob.id_token),
            Some(json!({ "title": "t", "contents": "c" })),
        )
        .await;
    assert_eq!(refused.error_code(), "suspended");
    assert!(refused.body["error"]["suspension"].get("until").is_none());

    let bob = app.id_of(&app.bob).await;
    let lift = |reason: &'static str| {
        let path = format!("/moderation/suspensions/{bob}?reason={reason}");
        let token = moderator.id_token.clone();
        let app = &app;
        async move { app.call(Method::DELETE, &path, Some(&token), None).await }
    };
    assert_eq!(lift("appealed").await.status, StatusCode::NO_CONTENT);
    assert_eq!(lift("again").await.status, StatusCode::NOT_FOUND);
    app.create(&app.bob, "back", "c").await;
    let log = app.log_page(&app.bob).await;
    let kinds: Vec<Value> = log
        .entries
        .iter()
        .map(|e| serde_json::to_value(e.kind).unwrap())
        .collect();
    assert_eq!(kinds, [json!("lift"), json!("suspend")]);
    assert_eq!(log.entries[0].person.as_deref(), Some("Bob"));
    assert_eq!(log.entries[0].reason.as_deref(), Some("appealed"));
}

#[tokio::test]
async fn nobody_suspends_a_moderator_or_themselves_and_readers_cannot_suspend() {
    let app = TestApp::spawn().await;
    let moderator = app.named_moderator().await;
    let other = app.moderator("other").await;
    app.name(&other, "Jun").await;
    for person in [app.id_of(&moderator).await, app.id_of(&other).await] {
        let reply = app
            .suspend(
                &moderator,
                json!({ "person": person, "length": "7d", "reason": "r" }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
        assert_eq!(reply.error_code(), "forbidden");
    }
    let bob = app.id_of(&app.bob).await;
    let reader = app
        .suspend(
            &app.alice,
            json!({ "person": bob, "length": "7d", "reason": "r" }),
        )
        .await;
    assert_eq!(reader.status, StatusCode::FORBIDDEN);
    // Only an author id names a person: not a made-up one, nor the account's `sub`.
    for person in ["no-such-person", &app.bob.sub] {
        let nobody = app
            .suspend(
                &moderator,
                json!({ "person": person, "length": "7d", "reason": "r" }),
            )
            .await;
        assert_eq!(nobody.status, StatusCode::NOT_FOUND, "{person}");
    }
    let bad = app
        .suspend(
            &moderator,
            json!({ "person": bob, "length": "2d", "reason": "r" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.log_page(&app.alice).await.entries.is_empty());
}

#[tokio::test]
async fn the_log_pages_newest_first() {
    let app = TestApp::spawn().await;
    let moderator = app.named_moderator().await;
    let mut titles = Vec::new();
    for i in 0..3 {
        let title = format!("post {i}");
        let post = app.create(&app.alice, &title, "c").await.id;
        let reply = app
            .call(
                Method::DELETE,
                &format!("/posts/{post}"),
                Some(&moderator.id_token),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        titles.push(format!("post-{post}"));
    }
    let first = app
        .call(
            Method::GET,
            "/moderation/log?limit=2",
            Some(&app.bob.id_token),
            None,
        )
        .await;
    let first: LogPage = serde_json::from_value(first.body).unwrap();
    let cursor = first.next_cursor.clone().unwrap();
    let second = app
        .call(
            Method::GET,
            &format!("/moderation/log?limit=2&cursor={cursor}"),
            Some(&app.bob.id_token),
            None,
        )
        .await;
    let second: LogPage = serde_json::from_value(second.body).unwrap();
    assert!(second.next_cursor.is_none());
    let seen: Vec<String> = first
        .entries
        .iter()
        .chain(&second.entries)
        .filter_map(|e| e.target.clone())
        .collect();
    titles.reverse();
    assert_eq!(seen, titles, "newest first");
    let bad = app
        .call(
            Method::GET,
            "/moderation/log?cursor=zzz",
            Some(&app.bob.id_token),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// Authors appear by an opaque id in every answer, never by their account's `sub`,
/// and each person's id is the one `GET /me` gives them.
#[tokio::test]
async fn answers_name_authors_by_their_board_id_never_by_their_account_sub() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "alice's post", "words").await.id;
    let answer = app.comment(&app.bob, post, "bob's answer", None).await;
    let reply = app
        .comment(&app.alice, post, "alice again", Some(&answer.id))
        .await;
    app.report(
        &app.alice,
        &format!("/posts/{post}/comments/{}", answer.id),
        spam(""),
    )
    .await;
    let moderator = app.named_moderator().await;
    let (alice, bob) = (app.id_of(&app.alice).await, app.id_of(&app.bob).await);
    assert_ne!(alice, bob);
    assert_eq!(
        answer.author.as_ref().map(|a| a.id.as_str()),
        Some(bob.as_str())
    );
    assert_eq!(
        reply.reply_to.as_ref().map(|a| a.id.as_str()),
        Some(bob.as_str())
    );
    let suspended = app
        .suspend(
            &moderator,
            json!({ "person": bob, "length": "1d", "reason": "r",
                    "target": format!("comment-{post}-{}", answer.id) }),
        )
        .await;
    assert_eq!(suspended.status, StatusCode::CREATED, "{}", suspended.body);
    assert_eq!(suspended.body["person"]["id"], bob.as_str());

    let subs = [&app.alice.sub, &app.bob.sub, &moderator.sub];
    for (user, path) in [
        (&app.alice, "/posts".to_owned()),
        (&app.alice, format!("/posts/{post}")),
        (&app.alice, format!("/posts/{post}/comments")),
        (&app.bob, "/me/notices".to_owned()),
        (&app.alice, "/me".to_owned()),
        (&moderator, "/moderation/queue".to_owned()),
        (&moderator, "/moderation/suspensions".to_owned()),
        (&app.alice, "/moderation/log".to_owned()),
    ] {
        let got = app
            .call(Method::GET, &path, Some(&user.id_token), None)
            .await;
        assert_eq!(got.status, StatusCode::OK, "{path}: {}", got.body);
        let text = got.body.to_string();
        for sub in subs {
            assert!(!text.contains(sub.as_str()), "{path} shows a sub: {text}");
        }
        // The answers that name an author (the suspension closed the queue entry).
        if !["/me", "/moderation/log", "/moderation/queue"].contains(&path.as_str()) {
            assert!(
                text.contains(&bob) || text.contains(&alice),
                "{path}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn a_suspended_person_still_removes_their_own_words_and_reads_their_notices() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.bob, "bob's post", "c").await.id;
    let comment = app.comment(&app.bob, post, "bob's comment", None).await;
    app.comment(&app.alice, post, "alice answers", None).await;
    let moderator = app.named_moderator().await;
    let suspended = app
        .suspend(
            &moderator,
            json!({ "person": app.id_of(&app.bob).await, "length": "1d", "reason": "spamming" }),
        )
        .await;
    assert_eq!(suspended.status, StatusCode::CREATED, "{}", suspended.body);

    assert_eq!(app.unread(&app.bob).await, 1);
    let read = app
        .call(
            Method::POST,
            "/me/notices/read",
            Some(&app.bob.id_token),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::NO_CONTENT, "{}", read.body);
    assert_eq!(app.unread(&app.bob).await, 0);
    for path in [
        format!("/posts/{post}/comments/{}", comment.id),
        format!("/posts/{post}"),
    ] {
        let removed = app
            .call(Method::DELETE, &path, Some(&app.bob.id_token), None)
            .await;
        assert_eq!(
            removed.status,
            StatusCode::NO_CONTENT,
            "{path}: {}",
            removed.body
        );
    }
    assert_eq!(
        app.get(&app.alice, post).await.status,
        StatusCode::NOT_FOUND
    );
}
