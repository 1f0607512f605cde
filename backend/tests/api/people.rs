//! Display names and moderators, against DynamoDB Local and moto: names are the board's own, unique
//! by what they look like, shown as they are now on every post; moderators (the
//! Cognito group in a verified token) may delete any post and edit none but their own.

use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use backend::Clock;
use serde_json::json;
use shared::Profile;
use time::OffsetDateTime;

use crate::helpers::{TestApp, User};

fn profile(reply: &crate::helpers::Reply) -> Profile {
    serde_json::from_value(reply.body.clone()).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
}

async fn me(app: &TestApp, user: &User) -> Profile {
    let reply = app
        .call(Method::GET, "/me", Some(&user.id_token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    profile(&reply)
}

#[tokio::test]
async fn writing_needs_a_display_name_and_nothing_is_stored_without_one() {
    let app = TestApp::spawn().await;
    let carol = app.sign_up("carol").await;
    let before = me(&app, &carol).await;
    assert_eq!(before.display_name, None);
    assert!(!before.moderator);

    let reply = app
        .call(
            Method::POST,
            "/posts",
            Some(&carol.id_token),
            Some(json!({ "title": "t", "contents": "c" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "name_required");
    let (posts, _) = app.list_all(&carol, 20).await;
    assert!(posts.is_empty());

    app.name(&carol, "  Carol   Ann ").await;
    let after = me(&app, &carol).await;
    assert_eq!(after.display_name.as_deref(), Some("Carol Ann"));
    assert!(after.name_changed_at.is_some());
    let post = app.create(&carol, "t", "c").await;
    assert_eq!(post.author.name.as_deref(), Some("Carol Ann"));
}

#[tokio::test]
async fn a_name_held_by_another_person_is_refused_in_any_case_or_width() {
    let app = TestApp::spawn().await;
    let carol = app.sign_up("carol").await;
    for taken in ["Alice", "ALICE", "alice", "ａｌｉｃｅ", "Ａｌｉｃｅ"] {
        let reply = app.set_name(&carol, taken).await;
        assert_eq!(
            reply.status,
            StatusCode::CONFLICT,
            "{taken}: {}",
            reply.body
        );
        assert_eq!(reply.error_code(), "conflict");
        assert_eq!(reply.error_field(), Some("display_name"));
    }
    assert_eq!(me(&app, &carol).await.display_name, None);
    // The holder asking for the name they hold is no change at all.
    let again = app.set_name(&app.alice, "Alice").await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(profile(&again).display_name.as_deref(), Some("Alice"));
}

#[tokio::test]
async fn the_boards_own_words_cannot_be_taken() {
    let app = TestApp::spawn().await;
    let carol = app.sign_up("carol").await;
    for reserved in [
        "Moderator",
        "ADMIN",
        "ｍｏｄｅｒａｔｏｒ",
        "Mod-erator",
        "Board",
        "Admins",
        "m0derator",
        "Moderator Team",
        "former member",
        "탈퇴한 회원",
        "관리자",
        "운영자님",
    ] {
        let reply = app.set_name(&carol, reserved).await;
        assert_eq!(
            reply.status,
            StatusCode::CONFLICT,
            "{reserved}: {}",
            reply.body
        );
    }
}

#[tokio::test]
async fn names_that_look_like_a_held_one_are_refused_and_real_names_pass() {
    let app = TestApp::spawn().await;
    let carol = app.sign_up("carol").await;
    // Alice is "Alice": a one for the l, a Cyrillic А, or a whole name in another
    // script that reads the same is hers too.
    for imitation in ["A1ice", "\u{0410}lice", "\u{0391}lice"] {
        let reply = app.set_name(&carol, imitation).await;
        assert_eq!(
            reply.status,
            StatusCode::CONFLICT,
            "{imitation}: {}",
            reply.body
        );
        assert_eq!(reply.error_field(), Some("display_name"));
    }
    // Joiners and variation selectors are no part of a name at all.
    for hidden in ["Alice\u{200D}", "Alice\u{FE0F}"] {
        let reply = app.set_name(&carol, hidden).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{hidden:?}");
    }
    assert_eq!(me(&app, &carol).await.display_name, None);
    for (person, name) in [
        ("dave", "김민준"),
        ("erin", "José Álvarez"),
        ("fay", "山田たろう"),
    ] {
        let user = app.sign_up(person).await;
        app.name(&user, name).await;
        assert_eq!(me(&app, &user).await.display_name.as_deref(), Some(name));
    }
}

#[tokio::test]
async fn a_name_claimed_under_the_earlier_key_stays_its_holder_and_moves_to_the_key_of_now() {
    let app = TestApp::spawn().await;
    let dave = app.sign_up("dave").await;
    // Dave took "Sam" when names were keyed by case and width only: his claim is
    // `name#sam`, while the key of "Sam" is now "sarn" (r n reads as m).
    let people = &app.stack.people_table;
    for item in [
        json!({"pk": "name#sam", "sub": dave.sub}),
        json!({"pk": format!("user#{}", dave.sub), "display_name": "Sam", "name_key": "sam",
               "name_changed_at": "2026-01-01T00:00:00Z", "name_changed_epoch": 1_767_225_600_u64}),
    ] {
        app.aws
            .dynamo
            .put_item()
            .table_name(people)
            .set_item(Some(serde_dynamo::to_item(item).unwrap()))
            .send()
            .await
            .unwrap();
    }
    let holder = |key: &'static str| {
        let app = &app;
        async move {
            app.aws
                .dynamo
                .get_item()
                .table_name(&app.stack.people_table)
                .key(
                    "pk",
                    aws_sdk_dynamodb::types::AttributeValue::S(format!("name#{key}")),
                )
                .consistent_read(true)
                .send()
                .await
                .unwrap()
                .item
                .and_then(|i| i.get("sub").and_then(|s| s.as_s().ok()).cloned())
        }
    };
    // Before Dave is back, the earlier key alone keeps "Sam" his.
    let carol = app.sign_up("carol").await;
    for name in ["Sam", "SAM", "Ｓａｍ"] {
        let reply = app.set_name(&carol, name).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{name}: {}", reply.body);
    }
    // Dave comes back: his claim moves to the key of now, so "Sarn" is his too.
    assert_eq!(me(&app, &dave).await.display_name.as_deref(), Some("Sam"));
    assert_eq!(holder("sam").await, None);
    assert_eq!(holder("sarn").await.as_deref(), Some(dave.sub.as_str()));
    let reply = app.set_name(&carol, "Sarn").await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    // Renaming gives the claim up in the same transaction.
    app.name(&dave, "Samwise").await;
    assert_eq!(holder("sarn").await, None);
    app.name(&carol, "Sam").await;
    assert_eq!(me(&app, &carol).await.display_name.as_deref(), Some("Sam"));
}

#[tokio::test]
async fn a_refused_rename_changes_nothing() {
    let app = TestApp::spawn_at(Clock::manual(OffsetDateTime::now_utc()), |_| {}).await;
    let carol = app.sign_up("carol").await;
    app.name(&carol, "Carol").await;
    app.clock.advance(Duration::from_secs(86_400));
    // Bob holds "Bob": Carol's rename to a look-alike is refused as a whole.
    let reply = app.set_name(&carol, "B0b").await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(
        me(&app, &carol).await.display_name.as_deref(),
        Some("Carol")
    );
    assert_eq!(
        me(&app, &app.bob).await.display_name.as_deref(),
        Some("Bob")
    );
    // Her name is still hers: nobody else can take it.
    let dave = app.sign_up("dave").await;
    let reply = app.set_name(&dave, "CAROL").await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
}

#[tokio::test]
async fn names_break_the_shared_rules_with_a_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let carol = app.sign_up("carol").await;
    for bad in [
        "a".to_owned(),
        "x".repeat(25),
        "   ".to_owned(),
        "Ali\u{202E}ce".to_owned(),
        "Al\u{200B}ice".to_owned(),
        "a\nb".to_owned(),
    ] {
        let reply = app.set_name(&carol, &bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert_eq!(reply.error_field(), Some("display_name"), "{bad:?}");
    }
    let unknown = app
        .call(
            Method::PUT,
            "/me/name",
            Some(&carol.id_token),
            Some(json!({ "display_name": "Carol", "name": "Moderator" })),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(me(&app, &carol).await.display_name, None);
}

#[tokio::test]
async fn two_people_claiming_one_name_at_once_get_it_once() {
    let app = TestApp::spawn().await;
    let people: Vec<User> = futures_util::future::join_all((0..8).map(|i| {
        let app = &app;
        async move { app.sign_up(&format!("p{i}")).await }
    }))
    .await;
    let replies =
        futures_util::future::join_all(people.iter().map(|p| app.set_name(p, "Zed"))).await;
    let winners: Vec<&User> = people
        .iter()
        .zip(&replies)
        .filter(|(_, r)| r.status == StatusCode::OK)
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for reply in &replies {
        assert!(
            reply.status == StatusCode::OK || reply.status == StatusCode::CONFLICT,
            "{}",
            reply.body
        );
    }
    for person in &people {
        let name = me(&app, person).await.display_name;
        if person.sub == winners[0].sub {
            assert_eq!(name.as_deref(), Some("Zed"));
        } else {
            assert_eq!(name, None);
        }
    }
}

#[tokio::test]
async fn a_name_changes_once_a_day_and_every_post_then_shows_the_new_one() {
    let app = TestApp::spawn_at(Clock::manual(OffsetDateTime::now_utc()), |_| {}).await;
    let post = app.create(&app.alice, "before the change", "c").await;
    let reply = app.set_name(&app.alice, "Alicia").await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.error_code(), "too_many_requests");
    let wait: u64 = reply.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(wait, 86_400, "a whole day: the clock has not moved");

    app.clock.advance(Duration::from_secs(86_399));
    let reply = app.set_name(&app.alice, "Alicia").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.headers[header::RETRY_AFTER], "1");
    app.clock.advance(Duration::from_secs(1));
    app.name(&app.alice, "Alicia").await;
    let read = app.get(&app.bob, post.id).await.post();
    assert_eq!(read.author.name.as_deref(), Some("Alicia"));
    let (listed, _) = app.list_all(&app.bob, 20).await;
    assert_eq!(listed[0].author.name.as_deref(), Some("Alicia"));
    // The old name is free again, and whoever takes it does not take the old posts.
    let carol = app.sign_up("carol").await;
    app.name(&carol, "alice").await;
    let read = app.get(&app.bob, post.id).await.post();
    assert_eq!(read.author.name.as_deref(), Some("Alicia"));
    assert_eq!(read.author.id, app.id_of(&app.alice).await);
    assert_ne!(read.author.id, app.id_of(&carol).await);
}

#[tokio::test]
async fn a_moderators_posts_and_comments_carry_a_badge_that_follows_the_verified_role() {
    let app = TestApp::spawn().await;
    // Mina signs up, then joins the moderators: her first token predates the role.
    let before = app.sign_up("mina").await;
    app.name(&before, "Mina").await;
    let mina = app.moderator_of(&before).await;
    let post = app.create(&mina, "from the moderators", "c").await;
    assert!(post.author.moderator, "the answer to her write says so");
    let read = app.get(&app.bob, post.id).await;
    assert_eq!(read.body["author"]["moderator"], true, "{}", read.body);
    let comment = app.comment(&mina, post.id, "a word from Mina", None).await;
    assert!(comment.author.as_ref().unwrap().moderator);
    let (thread, _) = app.thread(&app.bob, post.id, 10).await;
    assert!(thread[0].author.as_ref().unwrap().moderator);
    let (listed, _) = app.list_all(&app.bob, 10).await;
    assert!(listed.iter().any(|p| p.id == post.id && p.author.moderator));
    // Everyone else's words carry none, whatever their name: the field is absent.
    let alices = app.create(&app.alice, "from alice", "c").await;
    let read = app.get(&app.bob, alices.id).await;
    assert!(
        read.body["author"].get("moderator").is_none(),
        "{}",
        read.body
    );
    // A token without the role (as after leaving the group) takes the badge away at
    // her next write.
    app.create(&before, "as a member", "c").await;
    let read = app.get(&app.bob, post.id).await;
    assert!(
        read.body["author"].get("moderator").is_none(),
        "{}",
        read.body
    );
}

#[tokio::test]
async fn a_moderator_deletes_someone_elses_post() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator("mod").await;
    // The log names a moderator by their display name.
    app.name(&moderator, "Kim Minji").await;
    assert!(me(&app, &moderator).await.moderator);
    let post = app.create(&app.alice, "against the rules", "c").await;
    let reply = app
        .call(
            Method::DELETE,
            &format!("/posts/{}", post.id),
            Some(&moderator.id_token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    assert_eq!(
        app.get(&app.bob, post.id).await.status,
        StatusCode::NOT_FOUND
    );
    // The access token carries the group too.
    let second = app.create(&app.bob, "also", "c").await;
    let reply = app
        .call(
            Method::DELETE,
            &format!("/posts/{}", second.id),
            Some(&moderator.access_token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_non_moderator_cannot_delete_and_a_moderator_cannot_edit_someone_elses_post() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator("mod").await;
    app.name(&moderator, "Mo").await;
    let post = app.create(&app.alice, "mine", "my words").await;

    let refused = app
        .call(
            Method::DELETE,
            &format!("/posts/{}", post.id),
            Some(&app.bob.id_token),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.error_code(), "forbidden");

    let edit = app
        .call(
            Method::PUT,
            &format!("/posts/{}", post.id),
            Some(&moderator.id_token),
            Some(json!({ "title": "changed", "contents": "other words" })),
        )
        .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    let read = app.get(&app.bob, post.id).await.post();
    assert_eq!(
        (read.title.as_str(), read.contents.as_str()),
        ("mine", "my words")
    );
}

#[tokio::test]
async fn look_alikes_through_case_are_refused_and_reserved_words_through_case_too() {
    let app = TestApp::spawn().await;
    let paul = app.sign_up("paul").await;
    app.name(&paul, "Paul").await;
    let carol = app.sign_up("carol").await;
    // A capital I reads as the small l of a name already held; the board's own words
    // read through case too.
    let refused = [
        (&["AIice", "PauI"][..], "taken"),
        (&["ADMlN", "OFFlClAL", "Mod Kim", "Support"][..], "reserved"),
    ];
    for (names, why) in refused {
        for name in names {
            let reply = app.set_name(&carol, name).await;
            assert_eq!(reply.status, StatusCode::CONFLICT, "{name}: {}", reply.body);
            let message = reply.body["error"]["message"].as_str().unwrap();
            assert!(message.contains(why), "{name}: {message}");
        }
    }
    assert_eq!(me(&app, &carol).await.display_name, None);
    // And the other way: a name held with a capital I keeps the small l's name too.
    app.name(&carol, "Ian").await;
    let dave = app.sign_up("dave").await;
    let reply = app.set_name(&dave, "lan").await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    app.name(&dave, "Modesty").await;
}

impl TestApp {
    /// Writes a profile and its claims straight to the table, as an older backend left
    /// them (claims under `keys` only), the name chosen now.
    async fn legacy_name(&self, user: &User, name: &str, keys: &[&str]) {
        // Chosen just now, by the app's clock.
        let now = self.clock.now_utc();
        let mut items = vec![json!({
            "pk": format!("user#{}", user.sub), "display_name": name, "name_key": keys[0],
            "name_changed_at": now.to_string(), "name_changed_epoch": now.unix_timestamp(),
        })];
        for key in keys {
            items.push(json!({"pk": format!("name#{key}"), "sub": user.sub}));
        }
        for item in items {
            self.aws
                .dynamo
                .put_item()
                .table_name(&self.stack.people_table)
                .set_item(Some(serde_dynamo::to_item(item).unwrap()))
                .send()
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn two_look_alike_names_taken_before_both_stay_with_their_holders() {
    let app = TestApp::spawn().await;
    // "AIice" (a capital I) was taken beside Alice's "Alice" before names were also
    // held as written.
    let carol = app.sign_up("carol").await;
    app.legacy_name(&carol, "AIice", &["aiice"]).await;
    assert_eq!(
        me(&app, &carol).await.display_name.as_deref(),
        Some("AIice")
    );
    assert_eq!(
        me(&app, &app.alice).await.display_name.as_deref(),
        Some("Alice")
    );
    let post = app.create(&carol, "still mine", "c").await;
    assert_eq!(post.author.name.as_deref(), Some("AIice"));
    app.create(&app.alice, "mine too", "c").await;
}

#[tokio::test]
async fn a_name_taken_before_a_rule_forbade_it_is_asked_to_change_at_once() {
    let clock = Clock::manual(OffsetDateTime::now_utc());
    let app = TestApp::spawn_at(clock, |_| {}).await;
    let carol = app.sign_up("carol").await;
    app.legacy_name(&carol, "ADMlN", &["admln"]).await;
    // The name counts for nothing now: the app asks for another, writing needs one.
    assert_eq!(me(&app, &carol).await.display_name, None);
    let reply = app
        .call(
            Method::POST,
            "/posts",
            Some(&carol.id_token),
            Some(json!({ "title": "t", "contents": "c" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.error_code(), "name_required");
    // A new one may be chosen at once, whenever the old one was.
    app.name(&carol, "Carol").await;
    assert_eq!(
        me(&app, &carol).await.display_name.as_deref(),
        Some("Carol")
    );
    app.create(&carol, "now", "c").await;
    // The old claim went with it.
    let claim = app
        .aws
        .dynamo
        .get_item()
        .table_name(&app.stack.people_table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("name#admln".into()),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert!(claim.item.is_none());
}
