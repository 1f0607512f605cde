//! Suspensions: a moderator stops a person writing for 1, 7 or 30 days, or until
//! lifted.
//!
//! The suspension lives on the person's profile (`suspended_at`, `suspended_until`,
//! `suspension_reason`), which every write reads anyway (for the display name), so
//! checking it costs no extra round trip; tokens already issued stay valid, and this
//! check is what stops them. Moderators list the suspensions in force from the
//! comments table's partition `suspensions` (one item per person, removed by time to
//! live a day after it ends). Suspending or lifting writes the profile, the list, the
//! log entry and (from the queue) the closing of the reports in one transaction.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use shared::{ActionKind, Note, Suspension, SuspensionLength, SuspensionList};

use super::people::user_key;
use super::reports::Moderation;
use super::schema::{PEOPLE_KEY, THREAD_KEY, THREAD_SORT};
use super::{Store, StoreError, build_error, epoch_timestamp, number, string, to_map};
use crate::domain::{Caller, Target};

/// The list's partition.
const LIST: &str = "suspensions";
const DAY_SECS: u64 = 24 * 60 * 60;

/// A suspension as the moderators' list keeps it.
#[derive(Debug, Serialize, Deserialize)]
struct ListItem {
    pk: String,
    sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    until: Option<u64>,
    reason: String,
    by: String,
    since: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
}

impl Store {
    /// Suspends the person whose author id is `person`, for `length`, for `reason`;
    /// `target` (what they wrote that led to it) has its open reports closed. Nobody
    /// suspends themselves or a moderator.
    pub async fn suspend(
        &self,
        caller: &Caller,
        moderation: &Moderation,
        person: &str,
        length: SuspensionLength,
        reason: &Note,
        target: Option<&Target>,
    ) -> Result<Suspension, StoreError> {
        let person = self
            .author_ids()
            .await?
            .sub(person)
            .ok_or(StoreError::NotFound { what: "person" })?;
        let person = person.as_str();
        if caller.owns(person) {
            return Err(StoreError::Refused {
                action: "suspend yourself",
            });
        }
        let profile = self
            .profile(person)
            .await?
            .ok_or(StoreError::NotFound { what: "person" })?;
        if profile.moderator {
            return Err(StoreError::Refused {
                action: "suspend a moderator",
            });
        }
        // A target named must be this person's words.
        if let Some(target) = target {
            self.about(target, person).await?;
        }
        let since = self.now();
        let until = length.days().map(|days| self.epoch() + days * DAY_SECS);
        let until_text = until.map(epoch_timestamp);
        let mut profile_update = Update::builder()
            .table_name(&self.people)
            .key(PEOPLE_KEY, string(user_key(person)))
            .condition_expression(
                "attribute_exists(#pk) AND (attribute_not_exists(moderator) OR moderator = :no)",
            )
            .expression_attribute_names("#pk", PEOPLE_KEY)
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":at", string(&since))
            .expression_attribute_values(":reason", string(reason.as_str()));
        profile_update = match until {
            Some(until) => profile_update
                .update_expression(
                    "SET suspended_at = :at, suspended_until = :until, suspension_reason = :reason",
                )
                .expression_attribute_values(":until", number(until)),
            None => profile_update.update_expression(
                "SET suspended_at = :at, suspension_reason = :reason REMOVE suspended_until",
            ),
        };
        let list = ListItem {
            pk: LIST.to_owned(),
            sk: person.to_owned(),
            until,
            reason: reason.as_str().to_owned(),
            by: moderation.moderator.clone(),
            since: since.clone(),
            expires_at: until.map(|u| u + DAY_SECS),
        };
        let mut writes = vec![
            TransactWriteItem::builder()
                .update(profile_update.build().map_err(build_error)?)
                .build(),
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.comments)
                        .set_item(Some(to_map(&list)?))
                        .build()
                        .map_err(build_error)?,
                )
                .build(),
        ];
        let with_reason = Moderation {
            reason: Some(reason.as_str().to_owned()),
            ..moderation.clone()
        };
        writes.extend(
            self.moderation_writes(
                target,
                ActionKind::Suspend,
                &with_reason,
                profile.display_name.clone(),
                until_text.clone(),
            )
            .await?,
        );
        match super::transact(&self.client, writes, "a suspension").await? {
            Ok(()) => {}
            Err(0) => {
                return Err(StoreError::Refused {
                    action: "suspend a moderator",
                });
            }
            Err(_) => return Err(StoreError::Contended("a suspension")),
        }
        Ok(Suspension {
            person: self.names([person]).await?.author(person),
            until: until_text,
            reason: list.reason,
            by: list.by,
            since,
        })
    }

    /// Refused when someone other than `person` wrote `target` (its open reports say
    /// who, or else the target itself).
    async fn about(&self, target: &Target, person: &str) -> Result<(), StoreError> {
        let reported = match self.reported_open(target).await? {
            Some(open) => open,
            None => self.reported(target).await?,
        };
        if reported.author_sub != person {
            return Err(StoreError::Refused {
                action: "close reports about someone else's words with this suspension",
            });
        }
        Ok(())
    }

    /// Lifts the suspension of the person whose author id is `person` before it ends.
    pub async fn lift(&self, moderation: &Moderation, person: &str) -> Result<(), StoreError> {
        let person = self
            .author_ids()
            .await?
            .sub(person)
            .ok_or(StoreError::NotFound { what: "suspension" })?;
        let person = person.as_str();
        let profile = self
            .profile(person)
            .await?
            .ok_or(StoreError::NotFound { what: "suspension" })?;
        let (Some(at), Some(_)) = (&profile.suspended_at, profile.suspension(self.epoch())) else {
            return Err(StoreError::NotFound { what: "suspension" });
        };
        let update = Update::builder()
            .table_name(&self.people)
            .key(PEOPLE_KEY, string(user_key(person)))
            .update_expression("REMOVE suspended_at, suspended_until, suspension_reason")
            .condition_expression("suspended_at = :at")
            .expression_attribute_values(":at", string(at))
            .build()
            .map_err(build_error)?;
        let remove = Delete::builder()
            .table_name(&self.comments)
            .key(THREAD_KEY, string(LIST))
            .key(THREAD_SORT, string(person))
            .build()
            .map_err(build_error)?;
        let mut writes = vec![
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder().delete(remove).build(),
        ];
        writes.extend(
            self.moderation_writes(
                None,
                ActionKind::Lift,
                moderation,
                profile.display_name.clone(),
                None,
            )
            .await?,
        );
        match super::transact(&self.client, writes, "a lift").await? {
            Ok(()) => Ok(()),
            // Lifted, or suspended again, meanwhile.
            Err(_) => Err(StoreError::NotFound { what: "suspension" }),
        }
    }

    /// Every suspension in force, newest first.
    pub async fn suspensions(&self) -> Result<SuspensionList, StoreError> {
        let now = self.epoch();
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.comments)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", THREAD_KEY)
                .expression_attribute_values(":pk", string(LIST))
                .set_exclusive_start_key(start)
                .send()
                .await?;
            for map in out.items.unwrap_or_default() {
                let item: ListItem = serde_dynamo::from_item(map)?;
                if item.until.is_none_or(|until| until > now) {
                    items.push(item);
                }
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        items.sort_by(|a, b| b.since.cmp(&a.since));
        let shown = self.names(items.iter().map(|i| i.sk.as_str())).await?;
        Ok(SuspensionList {
            suspensions: items
                .into_iter()
                .map(|item| Suspension {
                    person: shown.author(&item.sk),
                    until: item.until.map(epoch_timestamp),
                    reason: item.reason,
                    by: item.by,
                    since: item.since,
                })
                .collect(),
        })
    }
}
