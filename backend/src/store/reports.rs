//! Reports and the moderators' queue, in the comments table.
//!
//! - `reports#<target>` / `by#<sub>`: that `sub` reported the target, once and for
//!   good: a conditional put, so two reports by one person at once store one.
//! - `reports#<target>` / `open`: the target has open reports, and under which queue
//!   entry (`queue_sk`), with what was reported (its title or first words, its author).
//! - `reports#<target>` / `r#<opened>#<at>#<sub>`: one report with its reason and note,
//!   filed under the round of reports that opened at `<opened>`.
//! - `queue` / `<opened>#<target>`: the queue entry, newest first, counting the
//!   round's reports and each reason.
//!
//! A report is one transaction: the person's mark, the report, and the entry (opened,
//! or counted). Closing a target's reports (dismissing them, or acting on the target)
//! removes its `open` item and its queue entry in the transaction of the action; the
//! reports stay, so nobody reports the same thing twice, and a new report opens a new
//! round.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};
use serde::{Deserialize, Serialize};
use shared::{
    ActionKind, Note, QueuePage, ReasonCount, Report, ReportNote, ReportReason, ReportedTarget,
};

use super::log::{Action, first_words, short_title};
use super::schema::{THREAD_KEY, THREAD_SORT};
use super::{Store, StoreError, build_error, number, string, to_map};
use crate::domain::{Caller, Target};

/// The queue's partition.
const QUEUE: &str = "queue";
/// The most reports a queue entry shows.
const SHOWN_REPORTS: i32 = 20;
/// How often a report that raced another on the same target is tried again.
const ATTEMPTS: usize = 4;

fn partition(target: &Target) -> String {
    format!("reports#{target}")
}

fn item_key(pk: String, sk: String) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (THREAD_KEY.to_owned(), string(pk)),
        (THREAD_SORT.to_owned(), string(sk)),
    ])
}

fn open_key(target: &Target) -> HashMap<String, AttributeValue> {
    item_key(partition(target), "open".to_owned())
}

/// The attribute counting one reason on a queue entry.
fn reason_attr(reason: ReportReason) -> String {
    format!("reason_{}", reason.as_str())
}

/// The `open` item: where the target's open reports are queued.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Open {
    pk: String,
    sk: String,
    queue_sk: String,
    title: String,
    author_sub: String,
}

/// A queue entry as stored (the reason counts are read apart).
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    pk: String,
    sk: String,
    target: String,
    title: String,
    author_sub: String,
    report_count: u64,
    first_at: String,
    last_at: String,
}

/// One report as stored.
#[derive(Debug, Serialize, Deserialize)]
struct ReportItem {
    pk: String,
    sk: String,
    reason: ReportReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    created_at: String,
}

/// What was reported, as it was when its reports opened.
pub struct Reported {
    pub title: String,
    pub author_sub: String,
}

/// What a moderator's action records: who they are (their display name) and why.
#[derive(Debug, Clone)]
pub struct Moderation {
    pub moderator: String,
    pub reason: Option<String>,
}

impl Store {
    /// What `target` is called and who wrote it, or `NotFound` when it is gone.
    pub async fn reported(&self, target: &Target) -> Result<Reported, StoreError> {
        let head = self.post_head(target.post()).await?;
        match target.comment() {
            None => Ok(Reported {
                title: short_title(&head.title),
                author_sub: head.author_sub,
            }),
            Some(comment) => {
                let (words, author_sub) = self.comment_words(target.post(), comment).await?;
                Ok(Reported {
                    title: first_words(&words),
                    author_sub,
                })
            }
        }
    }

    /// Files `caller`'s report on `target`: once per person and target. Reporting
    /// what one wrote oneself is refused.
    pub async fn report(
        &self,
        target: &Target,
        caller: &Caller,
        reason: ReportReason,
        note: Option<Note>,
    ) -> Result<Report, StoreError> {
        let reported = self.reported(target).await?;
        if caller.owns(&reported.author_sub) {
            return Err(StoreError::Refused {
                action: "report what you wrote yourself",
            });
        }
        for _ in 0..ATTEMPTS {
            let now = self.now();
            let open = self.open(target).await?;
            let mark = Put::builder()
                .table_name(&self.comments)
                .item(THREAD_KEY, string(partition(target)))
                .item(THREAD_SORT, string(format!("by#{}", caller.sub)))
                .item("at", string(&now))
                .condition_expression("attribute_not_exists(#sk)")
                .expression_attribute_names("#sk", THREAD_SORT)
                .build()
                .map_err(build_error)?;
            let mut writes = vec![TransactWriteItem::builder().put(mark).build()];
            let (queue_sk, opened) = match &open {
                Some(open) => (open.queue_sk.clone(), false),
                None => (format!("{now}#{target}"), true),
            };
            let round = queue_sk.split('#').next().unwrap_or_default().to_owned();
            let report = ReportItem {
                pk: partition(target),
                sk: format!("r#{round}#{now}#{}", caller.sub),
                reason,
                note: note.as_ref().map(|n| n.as_str().to_owned()),
                created_at: now.clone(),
            };
            writes.push(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.comments)
                            .set_item(Some(to_map(&report)?))
                            .build()
                            .map_err(build_error)?,
                    )
                    .build(),
            );
            if opened {
                let open = Open {
                    pk: partition(target),
                    sk: "open".to_owned(),
                    queue_sk: queue_sk.clone(),
                    title: reported.title.clone(),
                    author_sub: reported.author_sub.clone(),
                };
                let mut entry = to_map(&Entry {
                    pk: QUEUE.to_owned(),
                    sk: queue_sk.clone(),
                    target: target.to_string(),
                    title: reported.title.clone(),
                    author_sub: reported.author_sub.clone(),
                    report_count: 1,
                    first_at: now.clone(),
                    last_at: now.clone(),
                })?;
                entry.insert(reason_attr(reason), number(1));
                for item in [to_map(&open)?, entry] {
                    writes.push(
                        TransactWriteItem::builder()
                            .put(
                                Put::builder()
                                    .table_name(&self.comments)
                                    .set_item(Some(item))
                                    .condition_expression("attribute_not_exists(#sk)")
                                    .expression_attribute_names("#sk", THREAD_SORT)
                                    .build()
                                    .map_err(build_error)?,
                            )
                            .build(),
                    );
                }
            } else {
                let still_open = ConditionCheck::builder()
                    .table_name(&self.comments)
                    .set_key(Some(open_key(target)))
                    .condition_expression("queue_sk = :sk")
                    .expression_attribute_values(":sk", string(&queue_sk))
                    .build()
                    .map_err(build_error)?;
                let count = Update::builder()
                    .table_name(&self.comments)
                    .set_key(Some(item_key(QUEUE.to_owned(), queue_sk.clone())))
                    .update_expression("ADD report_count :one, #reason :one SET last_at = :now")
                    .condition_expression("attribute_exists(#sk)")
                    .expression_attribute_names("#sk", THREAD_SORT)
                    .expression_attribute_names("#reason", reason_attr(reason))
                    .expression_attribute_values(":one", number(1))
                    .expression_attribute_values(":now", string(&now))
                    .build()
                    .map_err(build_error)?;
                writes.push(
                    TransactWriteItem::builder()
                        .condition_check(still_open)
                        .build(),
                );
                writes.push(TransactWriteItem::builder().update(count).build());
            }
            // Last, the check that the reporter is not suspended, decided in the
            // same transaction.
            let check_at = writes.len();
            writes.extend(self.unsuspended(caller)?);
            match super::transact(&self.client, writes, "a report").await {
                Ok(Err(i)) if i == check_at => {
                    return Err(self.refused_as_suspended(caller).await);
                }
                Ok(Ok(())) => {
                    return Ok(Report {
                        target: target.to_string(),
                        reason,
                        created_at: now,
                    });
                }
                Ok(Err(0)) => return Err(StoreError::AlreadyReported),
                // The target's reports opened or closed meanwhile: read again.
                Ok(Err(_)) | Err(StoreError::Contended(_)) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Contended("a report"))
    }

    /// What `target` was when its open reports opened, if it has any.
    pub(super) async fn reported_open(
        &self,
        target: &Target,
    ) -> Result<Option<Reported>, StoreError> {
        Ok(self.open(target).await?.map(|open| Reported {
            title: open.title,
            author_sub: open.author_sub,
        }))
    }

    /// Where `target`'s open reports are queued, if it has any.
    async fn open(&self, target: &Target) -> Result<Option<Open>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.comments)
            .set_key(Some(open_key(target)))
            .consistent_read(true)
            .send()
            .await?;
        out.item
            .map(|item| serde_dynamo::from_item(item).map_err(StoreError::from))
            .transpose()
    }

    /// The writes that close `target`'s open reports (none when it has none) and
    /// record `kind` in the log, for the transaction of the action itself.
    /// `person` is the name of the one it concerns.
    pub(super) async fn moderation_writes(
        &self,
        target: Option<&Target>,
        kind: ActionKind,
        moderation: &Moderation,
        person: Option<String>,
        until: Option<String>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = Vec::new();
        if let Some(target) = target {
            writes.extend(self.close(target).await?);
        }
        writes.push(self.log_write(Action {
            kind,
            moderator: moderation.moderator.clone(),
            target: target.map(Target::to_string),
            person,
            reason: moderation.reason.clone(),
            until,
        })?);
        Ok(writes)
    }

    /// The writes that close `target`'s open reports: none when it has none.
    async fn close(&self, target: &Target) -> Result<Vec<TransactWriteItem>, StoreError> {
        let Some(open) = self.open(target).await? else {
            return Ok(Vec::new());
        };
        let head = Delete::builder()
            .table_name(&self.comments)
            .set_key(Some(open_key(target)))
            .condition_expression("queue_sk = :sk")
            .expression_attribute_values(":sk", string(&open.queue_sk))
            .build()
            .map_err(build_error)?;
        let entry = Delete::builder()
            .table_name(&self.comments)
            .set_key(Some(item_key(QUEUE.to_owned(), open.queue_sk)))
            .build()
            .map_err(build_error)?;
        Ok(vec![
            TransactWriteItem::builder().delete(head).build(),
            TransactWriteItem::builder().delete(entry).build(),
        ])
    }

    /// Dismisses `target`'s open reports: they close, and the log says so.
    pub async fn dismiss(
        &self,
        target: &Target,
        moderation: &Moderation,
    ) -> Result<(), StoreError> {
        for _ in 0..ATTEMPTS {
            let open = self.open(target).await?.ok_or(StoreError::NotFound {
                what: "open report",
            })?;
            let person = self.name_of(&open.author_sub).await?;
            let writes = self
                .moderation_writes(Some(target), ActionKind::Dismiss, moderation, person, None)
                .await?;
            match super::transact(&self.client, writes, "a dismissal").await? {
                Ok(()) => return Ok(()),
                // Closed, or a new round opened, meanwhile.
                Err(_) => continue,
            }
        }
        Err(StoreError::Contended("a dismissal"))
    }

    /// One page of the queue: targets with open reports, newest first.
    pub async fn queue(&self, limit: u32, cursor: Option<&str>) -> Result<QueuePage, StoreError> {
        let start = match cursor {
            Some(after) => {
                let sk = super::cursor::decode_key(after)
                    .filter(|k| k.len() > 25 && k.as_bytes()[24] == b'#')
                    .ok_or(StoreError::BadCursor)?;
                Some(item_key(QUEUE.to_owned(), sk))
            }
            None => None,
        };
        let out = self
            .client
            .query()
            .table_name(&self.comments)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", THREAD_KEY)
            .expression_attribute_values(":pk", string(QUEUE))
            .scan_index_forward(false)
            .limit(limit.saturating_add(1) as i32)
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await?;
        let mut maps = out.items.unwrap_or_default();
        let next_cursor =
            super::cursor::cut_page(&mut maps, limit, out.last_evaluated_key.is_some(), |last| {
                match last.get(THREAD_SORT) {
                    Some(AttributeValue::S(sk)) => Ok(sk.clone()),
                    _ => Err(StoreError::Corrupt(
                        "a queue entry without its sort key".into(),
                    )),
                }
            })?;
        let mut entries = Vec::with_capacity(maps.len());
        for map in maps {
            let mut reasons: Vec<ReasonCount> = ReportReason::ALL
                .into_iter()
                .filter_map(|reason| match map.get(&reason_attr(reason)) {
                    Some(AttributeValue::N(n)) => n
                        .parse()
                        .ok()
                        .filter(|count| *count > 0)
                        .map(|count| ReasonCount { reason, count }),
                    _ => None,
                })
                .collect();
            reasons.sort_by_key(|r| std::cmp::Reverse(r.count));
            let entry: Entry = serde_dynamo::from_item(map)?;
            entries.push((entry, reasons));
        }
        let shown = self
            .names(entries.iter().map(|(e, _)| e.author_sub.as_str()))
            .await?;
        let mut items = Vec::with_capacity(entries.len());
        for (entry, reasons) in entries {
            let target = Target::parse(&entry.target)
                .ok_or_else(|| StoreError::Corrupt(format!("queued target {:?}", entry.target)))?;
            let round = entry.sk.split('#').next().unwrap_or_default().to_owned();
            let reports = self.round(&target, &round).await?;
            items.push(ReportedTarget {
                target: entry.target,
                post_id: target.post().get(),
                comment_id: target.comment().map(ToString::to_string),
                title: entry.title,
                author: shown.author(&entry.author_sub),
                report_count: entry.report_count,
                reasons,
                reports,
                first_reported_at: entry.first_at,
                last_reported_at: entry.last_at,
            });
        }
        Ok(QueuePage { items, next_cursor })
    }

    /// The latest reports of the round that opened at `round`, newest first.
    async fn round(&self, target: &Target, round: &str) -> Result<Vec<ReportNote>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.comments)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :round)")
            .expression_attribute_names("#pk", THREAD_KEY)
            .expression_attribute_names("#sk", THREAD_SORT)
            .expression_attribute_values(":pk", string(partition(target)))
            .expression_attribute_values(":round", string(format!("r#{round}#")))
            .scan_index_forward(false)
            .limit(SHOWN_REPORTS)
            .send()
            .await?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|map| {
                serde_dynamo::from_item::<_, ReportItem>(map)
                    .map(|r| ReportNote {
                        reason: r.reason,
                        note: r.note,
                        created_at: r.created_at,
                    })
                    .map_err(StoreError::from)
            })
            .collect()
    }

    /// The display name of `sub`, if they have one.
    pub(super) async fn name_of(&self, sub: &str) -> Result<Option<String>, StoreError> {
        Ok(self.names([sub]).await?.author(sub).name)
    }
}
