//! [`RoutingStore`] for the SQL backends: offers live in `routing.rs`, sessions and
//! SLA in `sessions.rs`, streams and leases in `events.rs`, transfers in `transfer.rs`.

use super::SqlStore;
use crate::model::Scope;
use crate::routing::*;
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{
    AgentId, ConversationId, CustomerId, EventId, InboxId, ItemId, Millis, OfferId,
};

#[async_trait]
impl RoutingStore for SqlStore {
    async fn agent_routing(&self, agent: AgentId) -> Result<Option<AgentRouting>> {
        self.routing_of(agent).await
    }

    async fn set_available(&self, agent: AgentId, available: bool, now: Millis) -> Result<()> {
        self.availability(agent, available, now).await
    }

    async fn request_next(&self, agent: AgentId, _now: Millis) -> Result<NextAnswer> {
        self.next(agent).await
    }

    async fn route(&self, now: Millis, offer_for: Millis, limit: i64) -> Result<Vec<Offer>> {
        self.route_work(now, offer_for, limit).await
    }

    async fn expire_offers(&self, now: Millis) -> Result<Vec<Offer>> {
        self.expire(now).await
    }

    async fn repair_routing_state(&self) -> Result<u64> {
        self.repair_routing().await
    }

    async fn next_offer_expiry(&self) -> Result<Option<Millis>> {
        self.earliest_expiry().await
    }

    async fn offers_for(&self, agent: AgentId) -> Result<Vec<Offer>> {
        self.agent_offers(agent).await
    }

    async fn accept_offer(
        &self,
        agent: AgentId,
        offer: OfferId,
        now: Millis,
    ) -> Result<OfferAnswer> {
        self.answer_offer(agent, offer, true, now).await
    }

    async fn decline_offer(
        &self,
        agent: AgentId,
        offer: OfferId,
        now: Millis,
    ) -> Result<OfferAnswer> {
        self.answer_offer(agent, offer, false, now).await
    }

    async fn close_conversation(
        &self,
        scope: Scope,
        conversation: ConversationId,
        now: Millis,
    ) -> Result<CloseAnswer> {
        self.close(scope, conversation, now).await
    }

    async fn no_reply_needed(
        &self,
        scope: Scope,
        item: ItemId,
        now: Millis,
    ) -> Result<NoReplyAnswer> {
        self.mark_no_reply_needed(scope, item, now).await
    }

    async fn auto_end(&self, now: Millis) -> Result<Vec<ConversationId>> {
        self.end_silent(now).await
    }

    async fn sla_report(
        &self,
        inbox: InboxId,
        from: Millis,
        to: Millis,
        now: Millis,
    ) -> Result<Option<SlaReport>> {
        self.sla(inbox, from, to, now).await
    }

    async fn events_after(
        &self,
        agent: AgentId,
        after: EventId,
        limit: i64,
    ) -> Result<EventsAfter> {
        self.read_events(agent, after, limit).await
    }

    async fn settled(&self, tx: i64) -> Result<bool> {
        self.is_settled(tx).await
    }

    async fn last_event_id(&self, agent: AgentId) -> Result<EventId> {
        self.newest_event(agent).await
    }

    async fn agents_with_news(&self, mark: Option<i64>) -> Result<EventNews> {
        self.news_since(mark).await
    }

    async fn prune_events(&self, before: Millis) -> Result<u64> {
        self.delete_events_before(before).await
    }

    async fn transfer(&self, request: TransferRequest, now: Millis) -> Result<TransferAnswer> {
        self.transfer_conversation(request, now).await
    }

    async fn transfer_targets(
        &self,
        scope: Scope,
        conversation: ConversationId,
    ) -> Result<Option<TransferTargets>> {
        self.targets(scope, conversation).await
    }

    async fn customer_transfers(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Vec<Transfer>> {
        self.transfers_of(scope, customer).await
    }

    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: Millis,
        until: Millis,
    ) -> Result<bool> {
        self.lease(name, holder, now, until).await
    }
}
