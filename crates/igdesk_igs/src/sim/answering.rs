//! The [`Simulator`] methods of the answering side (IGS-1, IGS-3): settings
//! for echoes, rate limits and tokens, test-given history, and what the Graph
//! API accepted.

use std::time::Duration;

use super::records::{
    CommentActionRecord, HistoryMessage, SenderActionRecord, SentMessage, TrackedComment,
};
use super::Simulator;
use crate::webhook::Delivery;

impl Simulator {
    /// Whether accepted messages are echoed to the webhook (default on).
    pub fn set_echoes(&self, on: bool) {
        self.state().echoes = on;
    }

    /// The pause between an accepted send and its echo (default 100 ms).
    pub fn set_echo_delay(&self, delay: Duration) {
        self.state().echo_delay = delay;
    }

    /// Send API calls per rolling second and business account, by host
    /// (Meta: 300 on graph.facebook.com, 100 on graph.instagram.com).
    pub fn set_send_rate_limits(&self, facebook_per_sec: u32, instagram_per_sec: u32) {
        let mut state = self.state();
        state.limits.send_facebook_per_sec = facebook_per_sec;
        state.limits.send_instagram_per_sec = instagram_per_sec;
    }

    /// Private replies per rolling hour and business account (Meta: 750).
    pub fn set_private_reply_rate_limit(&self, per_hour: u32) {
        self.state().limits.private_replies_per_hour = per_hour;
    }

    /// Graph calls of the app per rolling hour, all businesses together: the
    /// budget `X-App-Usage` reports on (over it, error 4).
    pub fn set_app_rate_limit(&self, per_hour: u32) {
        self.state().limits.app_calls_per_hour = per_hour;
    }

    /// Conversations API calls per rolling second and business account (Meta: 2).
    pub fn set_conversations_rate_limit(&self, per_sec: u32) {
        self.state().limits.conversations_per_sec = per_sec;
    }

    /// Make both tokens of a business invalid: every call with them answers 190.
    pub fn revoke_token(&self, business_ig_id: &str) {
        self.state().revoked.insert(business_ig_id.to_owned());
    }

    /// Undo [`Self::revoke_token`].
    pub fn restore_token(&self, business_ig_id: &str) {
        self.state().revoked.remove(business_ig_id);
    }

    /// Messages exchanged before igdesk was connected, for the Conversations
    /// API; the customer's messages count as real ones (consent, the messaging
    /// window, reactions). Answers the mids in the order given (generated where
    /// `mid` is `None`), so tests can redeliver them and check deduplication.
    pub fn add_history(
        &self,
        business_ig_id: &str,
        igsid: &str,
        messages: Vec<HistoryMessage>,
    ) -> Vec<String> {
        let mut state = self.state();
        if messages.iter().any(|m| m.from_customer) {
            let key = (business_ig_id.to_owned(), igsid.to_owned());
            state.consented.insert(key);
        }
        state.world.add_history(business_ig_id, igsid, messages)
    }

    /// One thread as the Conversations API knows it, oldest first: history,
    /// delivered DMs and echoes, and accepted sends.
    pub fn thread(&self, business_ig_id: &str, igsid: &str) -> Vec<HistoryMessage> {
        let state = self.state();
        let key = (business_ig_id.to_owned(), igsid.to_owned());
        let Some(thread) = state.world.threads.get(&key) else {
            return Vec::new();
        };
        let mut messages: Vec<HistoryMessage> =
            thread.newest(usize::MAX).into_iter().cloned().collect();
        messages.reverse();
        messages
    }

    /// Every message the Send API accepted, in order.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.state().records.sent.clone()
    }

    /// Every sender action the Send API accepted, in order.
    pub fn actions(&self) -> Vec<SenderActionRecord> {
        self.state().records.actions.clone()
    }

    /// Every comment reply, hide, unhide and delete call, accepted or not.
    pub fn comment_actions(&self) -> Vec<CommentActionRecord> {
        self.state().records.comment_actions.clone()
    }

    /// Forget [`Self::sent`], [`Self::actions`] and [`Self::comment_actions`].
    pub fn clear_records(&self) {
        let mut state = self.state();
        state.records = Default::default();
    }

    /// One comment as the simulator knows it (hidden, deleted, replied…).
    pub fn comment(&self, comment_id: &str) -> Option<TrackedComment> {
        self.state().world.comments.get(comment_id).cloned()
    }

    /// When the customer last wrote to the business, as the window sees it.
    pub fn last_customer_message_ms(&self, business_ig_id: &str, igsid: &str) -> Option<i64> {
        self.state()
            .world
            .last_customer_message_ms(business_ig_id, igsid)
    }

    /// Queue the echo of an accepted message, unless echoes are off.
    pub(crate) fn echo(&self, delivery: Delivery) {
        let (on, delay) = {
            let state = self.state();
            (state.echoes, state.echo_delay)
        };
        if on {
            self.inner.echoes.push(self, delivery, delay);
        }
    }

    /// The client that fetches media named in sends (10 s timeout).
    pub(crate) fn fetch_client(&self) -> &reqwest::Client {
        &self.inner.fetch
    }
}
