//! Display names: chosen on the board, unique ignoring case and width, changed at
//! most once a day.
//!
//! A name is held by a claim item `name#<key>` that only a conditional put creates
//! (`attribute_not_exists`, or already this person's), so two people asking for one
//! name at once cannot both get it. A change is three single-item writes, in an order
//! that never leaves a name shown by two people: claim the new name, point the profile
//! at it (conditional on the profile being as it was read), release the old claim. A
//! failure in between leaves at most the old name still reserved for its holder.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use shared::DisplayName;

use super::schema::PEOPLE_KEY;
use super::{Store, StoreError, names, number, string, timestamp, unless_refused};

/// How long a chosen name stays before it can change again.
pub const NAME_CHANGE_INTERVAL_SECS: u64 = 24 * 60 * 60;

/// A person's profile item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRecord {
    pub pk: String,
    pub display_name: Option<String>,
    /// [`names::key`] of `display_name`: the claim this profile holds.
    pub name_key: Option<String>,
    /// RFC 3339, for people.
    pub name_changed_at: Option<String>,
    /// Seconds since the epoch, for the once-a-day condition.
    pub name_changed_epoch: Option<u64>,
}

fn user_key(sub: &str) -> String {
    format!("user#{sub}")
}

fn claim_key(name_key: &str) -> String {
    format!("name#{name_key}")
}

impl Store {
    /// The profile of `sub`, if they chose a name.
    pub async fn profile(&self, sub: &str) -> Result<Option<ProfileRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.people)
            .key(PEOPLE_KEY, string(user_key(sub)))
            .consistent_read(true)
            .send()
            .await?;
        out.item
            .map(|item| {
                serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .transpose()
    }

    /// The current display names of `subs` (one batch read; a page has at most 100
    /// authors, DynamoDB's limit for one batch). People without a name are left out.
    pub async fn names<'a>(
        &self,
        subs: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<String, String>, StoreError> {
        let subs: HashSet<&str> = subs.into_iter().collect();
        let mut found = HashMap::new();
        if subs.is_empty() {
            return Ok(found);
        }
        let keys = subs
            .iter()
            .map(|sub| HashMap::from([(PEOPLE_KEY.to_owned(), string(user_key(sub)))]))
            .collect();
        let items = self
            .batch_get(&self.people, keys, "pk, display_name")
            .await?;
        for item in items {
            if let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(name))) =
                (item.get(PEOPLE_KEY), item.get("display_name"))
                && let Some(sub) = pk.strip_prefix("user#")
            {
                found.insert(sub.to_owned(), name.clone());
            }
        }
        Ok(found)
    }

    /// Gives `sub` the display name `name`, if nobody holds it (ignoring case and
    /// width) and it is not reserved.
    pub async fn set_name(
        &self,
        sub: &str,
        name: &DisplayName,
    ) -> Result<ProfileRecord, StoreError> {
        let name = name.as_str();
        let new_key = names::key(name);
        if names::is_reserved(name) {
            return Err(StoreError::NameTaken);
        }
        let current = self.profile(sub).await?;
        if let Some(current) = &current
            && current.display_name.as_deref() == Some(name)
        {
            return Ok(current.clone());
        }
        let now = self.clock.now_utc();
        let now_epoch = now.unix_timestamp().max(0) as u64;
        let old_epoch = current.as_ref().and_then(|c| c.name_changed_epoch);
        if let Some(changed) = old_epoch {
            let next = changed + NAME_CHANGE_INTERVAL_SECS;
            if now_epoch < next {
                return Err(StoreError::NameChangedRecently {
                    retry_after_secs: next - now_epoch,
                });
            }
        }
        let old_key = current.as_ref().and_then(|c| c.name_key.clone());
        let claims_new = old_key.as_deref() != Some(new_key.as_str());
        if claims_new {
            self.claim(sub, &new_key).await?;
        }

        let record = ProfileRecord {
            pk: user_key(sub),
            display_name: Some(name.to_owned()),
            name_key: Some(new_key.clone()),
            name_changed_at: Some(timestamp(now)),
            name_changed_epoch: Some(now_epoch),
        };
        let item =
            serde_dynamo::to_item(&record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let put = self
            .client
            .put_item()
            .table_name(&self.people)
            .set_item(Some(item));
        // Only over the profile as it was read: a change made meanwhile (another tab)
        // wins, and this one stops.
        let put = match old_epoch {
            None => put
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PEOPLE_KEY),
            Some(epoch) => put
                .condition_expression("name_changed_epoch = :read")
                .expression_attribute_values(":read", number(epoch)),
        };
        match put.send().await {
            Ok(_) => {}
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                if claims_new {
                    let now_held = self.profile(sub).await?.and_then(|p| p.name_key);
                    if now_held.as_deref() != Some(new_key.as_str()) {
                        self.release(sub, &new_key).await?;
                    }
                }
                return Err(StoreError::NameChangedConcurrently);
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(old_key) = old_key.filter(|_| claims_new) {
            self.release(sub, &old_key).await?;
        }
        Ok(record)
    }

    /// Claims `name_key` for `sub`: one conditional put, so of two people claiming
    /// one name at once exactly one gets it.
    async fn claim(&self, sub: &str, name_key: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.people)
            .item(PEOPLE_KEY, string(claim_key(name_key)))
            .item("sub", string(sub))
            .condition_expression("attribute_not_exists(#pk) OR #sub = :sub")
            .expression_attribute_names("#pk", PEOPLE_KEY)
            .expression_attribute_names("#sub", "sub")
            .expression_attribute_values(":sub", string(sub))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                Err(StoreError::NameTaken)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Gives up `sub`'s claim on `name_key` (never someone else's).
    async fn release(&self, sub: &str, name_key: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.people)
            .key(PEOPLE_KEY, string(claim_key(name_key)))
            .condition_expression("#sub = :sub")
            .expression_attribute_names("#sub", "sub")
            .expression_attribute_values(":sub", string(sub))
            .send()
            .await;
        unless_refused(result)
    }
}
