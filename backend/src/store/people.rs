//! Display names: chosen on the board, unique by what they look like (case, width and
//! look-alike letters aside, [`names::key`]), changed at most once a day.
//!
//! A name is held by a claim item `name#<key>` that only a conditional put creates
//! (`attribute_not_exists`, or already this person's), so two people asking for one
//! name at once cannot both get it. A change is one `TransactWriteItems`: claim the new
//! name, check that nobody holds it under the key names were claimed by before, point
//! the profile at it (conditional on the profile being as it was read), release the
//! old claim. All of it happens or none: no failure, timeout or dropped request can
//! leave a second name held.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};
use serde::{Deserialize, Serialize};
use shared::{Author, DisplayName, SuspensionNotice};

use super::author_ids::AuthorIds;
use super::schema::PEOPLE_KEY;
use super::{Store, StoreError, build_error, names, number, string, timestamp};
use crate::domain::Caller;

/// How long a chosen name stays before it can change again.
pub const NAME_CHANGE_INTERVAL_SECS: u64 = 24 * 60 * 60;

/// A person's profile item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRecord {
    pub pk: String,
    pub display_name: Option<String>,
    /// [`names::key`] of `display_name`: the claim this profile holds.
    pub name_key: Option<String>,
    /// [`names::written_key`] of `display_name`, where it differs from `name_key`: the
    /// name's second claim ([`names::keys`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_key: Option<String>,
    /// RFC 3339, for people.
    pub name_changed_at: Option<String>,
    /// Seconds since the epoch, for the once-a-day condition.
    pub name_changed_epoch: Option<u64>,
    /// Whether their verified token last said they are a moderator (see
    /// [`Store::note_role`]); only the backend writes it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub moderator: bool,
    /// When a moderator suspended them (RFC 3339); absent when they are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_at: Option<String>,
    /// Until when (seconds since the epoch); absent for a suspension until lifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_until: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspension_reason: Option<String>,
}

impl ProfileRecord {
    /// The keys this profile's name is held under.
    fn held_keys(&self) -> Vec<String> {
        self.name_key
            .iter()
            .chain(&self.written_key)
            .cloned()
            .collect()
    }

    /// The name shown and written under, when the rules still let anyone hold it: a
    /// name chosen before a rule forbade it is asked to change (`name_required`).
    pub fn allowed_name(&self) -> Option<&str> {
        self.display_name
            .as_deref()
            .filter(|name| names::check(name).is_ok())
    }

    /// The suspension in force at `now_epoch`, if any: one that has ended stays on the
    /// item until the next suspension or lift, and counts for nothing.
    pub fn suspension(&self, now_epoch: u64) -> Option<SuspensionNotice> {
        self.suspended_at.as_ref()?;
        if self.suspended_until.is_some_and(|until| until <= now_epoch) {
            return None;
        }
        Some(SuspensionNotice {
            until: self.suspended_until.map(super::epoch_timestamp),
            reason: self.suspension_reason.clone().unwrap_or_default(),
        })
    }
}

/// How the people a page shows appear beside their words, by `sub`: their author id,
/// the name they chose and whether they are a moderator.
#[derive(Debug)]
pub struct Shown {
    ids: Arc<AuthorIds>,
    people: HashMap<String, (String, bool)>,
}

impl Shown {
    /// Nobody known yet: authors appear by their id alone until [`Shown::with`].
    pub fn new(ids: Arc<AuthorIds>) -> Self {
        Self {
            ids,
            people: HashMap::new(),
        }
    }

    /// `sub` as an author: their id, and their name and badge, or neither for someone
    /// without a name.
    pub fn author(&self, sub: &str) -> Author {
        let known = self.people.get(sub);
        Author {
            id: self.ids.id(sub),
            name: known.map(|(name, _)| name.clone()),
            moderator: known.is_some_and(|(_, moderator)| *moderator),
        }
    }

    /// Adds the caller, whose name and role the request already knows.
    pub fn with(mut self, caller: &Caller, name: &str) -> Self {
        self.people
            .insert(caller.sub.clone(), (name.to_owned(), caller.moderator));
        self
    }
}

pub(super) fn user_key(sub: &str) -> String {
    format!("user#{sub}")
}

/// The condition of every write to a name's claim: nobody holds it, or `:sub` does.
const ABSENT_OR_HELD_BY: &str = "attribute_not_exists(#pk) OR #sub = :sub";

fn absent_or_held_by_names() -> HashMap<String, String> {
    HashMap::from([
        ("#pk".to_owned(), PEOPLE_KEY.to_owned()),
        ("#sub".to_owned(), "sub".to_owned()),
    ])
}

fn held_by(sub: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([(":sub".to_owned(), string(sub))])
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
            .map(|item| serde_dynamo::from_item(item).map_err(StoreError::from))
            .transpose()
    }

    /// The current display names of `subs` (one batch read; a page has at most 100
    /// authors, DynamoDB's limit for one batch). People without a name are left out.
    pub async fn names<'a>(
        &self,
        subs: impl IntoIterator<Item = &'a str>,
    ) -> Result<Shown, StoreError> {
        let subs: HashSet<&str> = subs.into_iter().collect();
        let mut shown = Shown::new(self.author_ids().await?);
        if subs.is_empty() {
            return Ok(shown);
        }
        let keys = subs
            .iter()
            .map(|sub| HashMap::from([(PEOPLE_KEY.to_owned(), string(user_key(sub)))]))
            .collect();
        let items = self
            .batch_get(&self.people, keys, "pk, display_name, moderator")
            .await?;
        for item in items {
            if let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(name))) =
                (item.get(PEOPLE_KEY), item.get("display_name"))
                && let Some(sub) = pk.strip_prefix("user#")
            {
                let moderator = matches!(item.get("moderator"), Some(AttributeValue::Bool(true)));
                shown
                    .people
                    .insert(sub.to_owned(), (name.clone(), moderator));
            }
        }
        Ok(shown)
    }

    /// Keeps the profile's moderator flag as the caller's verified token says, when
    /// `record` (the profile just read) says otherwise: one write when the role
    /// changed, none otherwise. Someone without a profile has no name to badge.
    pub async fn note_role(
        &self,
        caller: &Caller,
        record: Option<&ProfileRecord>,
    ) -> Result<(), StoreError> {
        let Some(record) = record else {
            return Ok(());
        };
        if record.moderator == caller.moderator {
            return Ok(());
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.people)
            .key(PEOPLE_KEY, string(user_key(&caller.sub)))
            .update_expression("SET moderator = :moderator")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PEOPLE_KEY)
            .expression_attribute_values(":moderator", AttributeValue::Bool(caller.moderator))
            .send()
            .await;
        super::unless_refused(result)
    }

    /// Gives `sub` the display name `name`, if nobody holds it or one that looks like
    /// it, and anyone may ([`names::check`]).
    pub async fn set_name(
        &self,
        caller: &Caller,
        name: &DisplayName,
    ) -> Result<ProfileRecord, StoreError> {
        let sub = caller.sub.as_str();
        let name = name.as_str();
        names::check(name).map_err(StoreError::NameNotAllowed)?;
        let new_keys = names::keys(name);
        let current = self.profile(sub).await?;
        if let Some(current) = &current
            && current.display_name.as_deref() == Some(name)
        {
            return Ok(current.clone());
        }
        let now = self.clock.now_utc();
        let now_epoch = now.unix_timestamp().max(0) as u64;
        if !caller.moderator
            && let Some(suspension) = current.as_ref().and_then(|c| c.suspension(now_epoch))
        {
            return Err(StoreError::Suspended(suspension));
        }
        let old_epoch = current.as_ref().and_then(|c| c.name_changed_epoch);
        // A name the rules no longer allow may change at once.
        let must_change = current
            .as_ref()
            .is_some_and(|c| c.display_name.is_some() && c.allowed_name().is_none());
        if let Some(changed) = old_epoch.filter(|_| !must_change) {
            let next = changed + NAME_CHANGE_INTERVAL_SECS;
            if now_epoch < next {
                return Err(StoreError::NameChangedRecently {
                    retry_after_secs: next - now_epoch,
                });
            }
        }
        let old_keys = current
            .as_ref()
            .map(ProfileRecord::held_keys)
            .unwrap_or_default();
        let record = ProfileRecord {
            pk: user_key(sub),
            display_name: Some(name.to_owned()),
            name_key: new_keys.first().cloned(),
            written_key: new_keys.get(1).cloned(),
            name_changed_at: Some(timestamp(now)),
            name_changed_epoch: Some(now_epoch),
            moderator: caller.moderator,
            ..current.clone().unwrap_or_default()
        };

        // Each write, and what its refused condition means.
        let mut writes = Vec::new();
        let mut refusals = Vec::new();
        for key in new_keys.iter().filter(|k| !old_keys.contains(k)) {
            writes.push(self.claim(sub, key)?);
            refusals.push(StoreError::NameTaken);
        }
        let earlier = names::earlier_key(name);
        if !new_keys.contains(&earlier) && !old_keys.contains(&earlier) {
            writes.push(self.not_held_by_another(sub, &earlier)?);
            refusals.push(StoreError::NameTaken);
        }
        writes.push(self.put_profile(&record, old_epoch, Some(now_epoch))?);
        refusals.push(StoreError::NameChangedConcurrently);
        for old_key in old_keys.iter().filter(|k| !new_keys.contains(k)) {
            writes.push(self.release(sub, old_key)?);
            refusals.push(StoreError::NameChangedConcurrently);
        }
        match super::transact(&self.client, writes, "a name change").await? {
            Ok(()) => Ok(record),
            Err(i) => Err(refusals
                .into_iter()
                .nth(i)
                .unwrap_or(StoreError::NameChangedConcurrently)),
        }
    }

    /// Moves a name's claims to the keys it has now ([`names::keys`]): a name claimed
    /// under the earlier key ([`names::earlier_key`]), or before names were also held
    /// as written, so that look-alikes of it are refused too. The claims, the profile
    /// and the release of old claims in one transaction, once per person (the profile
    /// then holds the keys). Where another name already holds one of them (two names
    /// that look alike were both taken before), both stay as they are. `Ok(true)` when
    /// it moved.
    pub async fn reclaim_name(
        &self,
        sub: &str,
        record: &ProfileRecord,
    ) -> Result<bool, StoreError> {
        let Some(name) = &record.display_name else {
            return Ok(false);
        };
        let (new_keys, old_keys) = (names::keys(name), record.held_keys());
        if new_keys == old_keys || old_keys.is_empty() {
            return Ok(false);
        }
        let moved = ProfileRecord {
            name_key: new_keys.first().cloned(),
            written_key: new_keys.get(1).cloned(),
            ..record.clone()
        };
        let mut writes = Vec::new();
        for key in new_keys.iter().filter(|k| !old_keys.contains(k)) {
            writes.push(self.claim(sub, key)?);
        }
        writes.push(self.put_profile(&moved, record.name_changed_epoch, None)?);
        for old_key in old_keys.iter().filter(|k| !new_keys.contains(k)) {
            writes.push(self.release(sub, old_key)?);
        }
        Ok(super::transact(&self.client, writes, "a name's claim")
            .await?
            .is_ok())
    }

    /// Claims `name_key` for `sub`: of two people claiming one name at once exactly
    /// one gets it.
    fn claim(&self, sub: &str, name_key: &str) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.people)
            .item(PEOPLE_KEY, string(claim_key(name_key)))
            .item("sub", string(sub))
            .condition_expression(ABSENT_OR_HELD_BY)
            .set_expression_attribute_names(Some(absent_or_held_by_names()))
            .set_expression_attribute_values(Some(held_by(sub)))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The check that nobody but `sub` holds `name_key`.
    fn not_held_by_another(
        &self,
        sub: &str,
        name_key: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.people)
            .key(PEOPLE_KEY, string(claim_key(name_key)))
            .condition_expression(ABSENT_OR_HELD_BY)
            .set_expression_attribute_names(Some(absent_or_held_by_names()))
            .set_expression_attribute_values(Some(held_by(sub)))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Writes the profile's name, only over the profile as it was read (`read_epoch`,
    /// or none): a change made meanwhile (another tab) wins, and this one stops. What
    /// else the profile holds (a suspension) stays as it is; the role is the one
    /// `record` has (the caller's token's). With `unsuspended_at`, the write also stops
    /// if a suspension began meanwhile (moderators are never held by one).
    fn put_profile(
        &self,
        record: &ProfileRecord,
        read_epoch: Option<u64>,
        unsuspended_at: Option<u64>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut conditions = vec![match read_epoch {
            None => "attribute_not_exists(#pk)",
            Some(_) => "name_changed_epoch = :read",
        }];
        let mut update = Update::builder()
            .table_name(&self.people)
            .key(PEOPLE_KEY, string(&record.pk))
            .update_expression(match &record.written_key {
                Some(_) => {
                    "SET display_name = :name, name_key = :key, written_key = :written, \
                     name_changed_at = :at, name_changed_epoch = :epoch, moderator = :moderator"
                }
                None => {
                    "SET display_name = :name, name_key = :key, name_changed_at = :at, \
                     name_changed_epoch = :epoch, moderator = :moderator REMOVE written_key"
                }
            })
            .expression_attribute_values(
                ":name",
                string(record.display_name.clone().unwrap_or_default()),
            )
            .expression_attribute_values(
                ":key",
                string(record.name_key.clone().unwrap_or_default()),
            )
            .expression_attribute_values(
                ":at",
                string(record.name_changed_at.clone().unwrap_or_default()),
            )
            .expression_attribute_values(":epoch", number(record.name_changed_epoch.unwrap_or(0)))
            .expression_attribute_values(":moderator", AttributeValue::Bool(record.moderator));
        if let Some(written) = &record.written_key {
            update = update.expression_attribute_values(":written", string(written));
        }
        if read_epoch.is_none() {
            update = update.expression_attribute_names("#pk", PEOPLE_KEY);
        }
        if let Some(epoch) = read_epoch {
            update = update.expression_attribute_values(":read", number(epoch));
        }
        if let (Some(now), false) = (unsuspended_at, record.moderator) {
            conditions.push("(attribute_not_exists(suspended_at) OR suspended_until <= :now)");
            update = update.expression_attribute_values(":now", number(now));
        }
        let update = update
            .condition_expression(conditions.join(" AND "))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The check, inside a write's own transaction, that `caller` has a profile and no
    /// suspension in force: a suspension that lands while the write is in flight
    /// refuses it (the race is decided by DynamoDB, not by the read that admitted the
    /// caller). None for a moderator, whom no suspension holds.
    pub(super) fn unsuspended(
        &self,
        caller: &Caller,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        if caller.moderator {
            return Ok(None);
        }
        let check = ConditionCheck::builder()
            .table_name(&self.people)
            .key(PEOPLE_KEY, string(user_key(&caller.sub)))
            .condition_expression(
                "attribute_exists(#pk) \
                 AND (attribute_not_exists(suspended_at) OR suspended_until <= :now)",
            )
            .expression_attribute_names("#pk", PEOPLE_KEY)
            .expression_attribute_values(":now", number(self.epoch()))
            .build()
            .map_err(build_error)?;
        Ok(Some(
            TransactWriteItem::builder().condition_check(check).build(),
        ))
    }

    /// Why a write whose [`Store::unsuspended`] check DynamoDB refused stops: the
    /// suspension in force now (what the person is told), or, should it have ended in
    /// the meantime, contention worth a retry.
    pub(super) async fn refused_as_suspended(&self, caller: &Caller) -> StoreError {
        match self.profile(&caller.sub).await {
            Ok(Some(profile)) => match profile.suspension(self.epoch()) {
                Some(notice) => StoreError::Suspended(notice),
                None => StoreError::Contended("a suspension ending"),
            },
            Ok(None) => StoreError::NotFound { what: "profile" },
            Err(e) => e,
        }
    }

    /// Gives up `sub`'s claim on `name_key`: never someone else's, and nothing to do
    /// if it is gone.
    fn release(&self, sub: &str, name_key: &str) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.people)
            .key(PEOPLE_KEY, string(claim_key(name_key)))
            .condition_expression(ABSENT_OR_HELD_BY)
            .set_expression_attribute_names(Some(absent_or_held_by_names()))
            .set_expression_attribute_values(Some(held_by(sub)))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }
}
