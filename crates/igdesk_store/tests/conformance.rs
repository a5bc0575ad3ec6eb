//! Runs the conformance suite on both backends: a SQLite file and a fresh
//! PostgreSQL database per test.

use igdesk_store::conformance as suite;
use igdesk_store::prelude::*;
use igdesk_store::testing::{fresh_postgres_url, sqlite_url};

/// Whatever a case did to conversations and offers, what routing reads (kept by the
/// database as they change) still holds exactly the open, unassigned conversations
/// with no offer, and each agent's counts are true: upkeep's check finds nothing to
/// put right.
async fn routing_state_is_exact(store: &dyn Store) {
    assert_eq!(
        store.repair_routing_state().await.unwrap(),
        0,
        "what routing reads drifted from the conversations and offers"
    );
}

macro_rules! both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = igdesk_store::connect(&super::sqlite_url(dir.path())).await.unwrap();
                    super::suite::$case(&store).await;
                    super::routing_state_is_exact(&store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let store = igdesk_store::connect(&super::fresh_postgres_url().await).await.unwrap();
                    super::suite::$case(&store).await;
                    super::routing_state_is_exact(&store).await;
                }
            )*
        }
    };
}

both_backends!(
    a_history_page_and_the_next_cursor_are_recorded_together,
    the_same_person_is_found_at_each_account_by_username,
    business_hours_are_kept_per_inbox,
    rules_keep_their_order_and_change,
    a_rule_answers_once_an_hour_with_the_message_that_called_for_it,
    the_away_message_goes_once_per_conversation,
    product_tokens_are_found_by_hash_scoped_and_revocable,
    inbound_webhooks_go_one_at_a_time_per_conversation_in_order,
    releasing_all_leases_frees_webhooks_and_routing_too,
    a_human_agent_tap_hands_over_and_an_api_send_takes_back,
    a_requests_messages_are_queued_together_in_order,
    accounts_are_unique_and_default_to_the_instagram_inbox,
    deliveries_are_written_with_their_jobs,
    a_checkpoint_keeps_every_committed_delivery,
    a_redelivered_body_is_stored_once,
    a_claimed_job_is_not_claimed_again_until_its_lease_ends,
    job_dedup_keys_hold_while_waiting_and_free_on_burial,
    a_renewed_lease_keeps_its_job_and_a_settled_one_is_not_taken_back,
    sends_recorded_together_each_complete_and_hand_over,
    the_message_limit_grants_up_to_its_count_then_names_when_room_comes,
    the_backlog_leaves_a_tenth_of_a_second_to_peoples_replies,
    private_replies_are_counted_by_the_hour_and_a_pause_holds_every_send,
    a_batch_of_jobs_is_settled_at_once,
    a_message_creates_customer_conversation_item_and_profile_job,
    the_same_mid_twice_changes_nothing,
    a_batch_of_customers_keeps_each_customers_order,
    deletions_remove_content_even_when_they_come_first,
    reactions_follow_the_latest_event,
    reads_mark_outgoing_items_up_to_the_seen_one,
    items_that_open_nothing_stay_on_the_profile,
    agents_see_only_their_inboxes,
    the_work_list_shows_exactly_what_an_agent_may_read,
    agent_tokens_resolve_to_their_agent,
    a_customers_messages_leave_one_at_a_time_in_order,
    a_reply_queued_while_the_head_settles_is_always_handed_over,
    a_persons_reply_goes_before_queued_automated_messages,
    a_persons_replies_are_claimed_without_the_backlog,
    paused_or_disconnected_accounts_hold_their_queue,
    an_echo_completes_the_message_being_sent,
    an_imported_copy_completes_the_message_being_sent,
    an_imported_message_gives_way_to_its_webhook,
    uploads_and_item_context_round_trip,
    a_comments_replies_are_taken_once,
    uploads_past_retention_go_unless_still_needed,
    sessions_sign_in_and_expire,
    work_is_offered_to_one_agent_longest_waiting_first,
    accept_assigns_and_decline_holds_until_next,
    the_console_reads_a_page_of_a_timeline_and_an_agents_conversations,
    an_unanswered_offer_expires_and_moves_on,
    capacity_is_standard_then_next_one_at_a_time_up_to_the_maximum,
    sessions_end_by_close_no_reply_needed_and_silence,
    sla_is_met_when_a_persons_reply_leaves_or_by_an_echo_never_by_an_automatic_one,
    an_echo_routes_the_conversation_with_its_reason,
    an_agents_stream_carries_its_conversations_items_in_order,
    a_lease_has_one_holder_until_it_runs_out,
    agent_tokens_are_listed_and_revoked_only_by_their_owner_or_an_admin,
    agents_are_listed_with_inboxes_and_capacity_and_changed_in_one_go,
    inbox_settings_change_field_by_field,
    topics_are_unique_in_any_case_and_listed_by_name,
    conversation_topics_are_replaced_by_agents_of_its_inbox,
    a_views_page_reads_each_conversation_as_it_is_read_alone,
    a_reply_needs_a_topic_only_where_the_inbox_requires_one,
    merging_points_the_other_profile_to_the_survivor_and_keeps_everything,
    merging_needs_both_profiles_in_scope,
    mark_seen_is_queued_once_per_newest_customer_message,
    a_story_is_checked_once_at_a_time_and_marked_gone_once,
    typing_on_at_most_once_per_10_seconds,
    switching_an_agent_off_signs_them_out_and_returns_their_work,
    switching_on_again_lets_the_password_in_but_no_old_credential,
    the_last_administrator_switched_on_stays_on,
    a_password_change_ends_the_other_sessions,
    product_tokens_are_listed_per_account_with_their_last_use,
);
