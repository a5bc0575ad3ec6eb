//! Automatic replies' settings (OUT-9): each inbox's business hours and the rules,
//! in order. Processing reads them once per batch and decides with the domain's pure
//! code (`igdesk_domain::automatic`); these are what settings keep. The caller is an
//! administrator and the values were checked (the service does both).

use crate::Result;
use async_trait::async_trait;
use igdesk_domain::automatic::{Actions, BusinessHours, Rule, Trigger};
use igdesk_domain::{InboxId, Millis, RuleId};

/// A rule as it is added.
#[derive(Debug, Clone)]
pub struct NewRule {
    pub name: String,
    pub inbox_id: Option<InboxId>,
    pub enabled: bool,
    pub trigger: Trigger,
    pub actions: Actions,
}

/// What an edit changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RuleChange {
    pub name: Option<String>,
    /// `Some(None)`: every inbox.
    pub inbox_id: Option<Option<InboxId>>,
    pub position: Option<i64>,
    pub enabled: Option<bool>,
    pub trigger: Option<Trigger>,
    /// Replaces every action at once: they are checked together.
    pub actions: Option<Actions>,
}

#[async_trait]
pub trait AutomaticStore: Send + Sync + 'static {
    /// The inbox's business hours, if it has them.
    async fn business_hours(&self, inbox: InboxId) -> Result<Option<BusinessHours>>;
    /// Every inbox's that has them, by inbox.
    async fn all_business_hours(&self) -> Result<Vec<(InboxId, BusinessHours)>>;
    /// Sets (or, with `None`, removes) the inbox's business hours. False when there
    /// is no such inbox.
    async fn set_business_hours(
        &self,
        inbox: InboxId,
        hours: Option<&BusinessHours>,
        now: Millis,
    ) -> Result<bool>;
    /// Every rule, in the order they are checked (position, then id).
    async fn rules(&self) -> Result<Vec<Rule>>;
    async fn rule(&self, id: RuleId) -> Result<Option<Rule>>;
    /// Added last in the order.
    async fn add_rule(&self, new: NewRule, now: Millis) -> Result<Rule>;
    /// `None` when there is no such rule.
    async fn update_rule(
        &self,
        id: RuleId,
        change: RuleChange,
        now: Millis,
    ) -> Result<Option<Rule>>;
    /// False when there was no such rule.
    async fn delete_rule(&self, id: RuleId) -> Result<bool>;
}
