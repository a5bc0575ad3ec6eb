//! The agent's routing controls (RT-1 … RT-3): availability, Next, offers and their
//! answers. Each change wakes the router at once (rather than at its next poll) and
//! the agent's own live stream, so every open console shows it.

use super::error::ServiceError;
use crate::app::App;
use igdesk_domain::{ConversationId, CustomerId, OfferId};
use igdesk_store::{Agent, AgentRouting, NextAnswer, Offer, OfferAnswer};

/// The agent's routing state: available or not, held, their conversations.
pub async fn state(app: &App, agent: &Agent) -> Result<AgentRouting, ServiceError> {
    // An agent without routing state was removed after their credentials were read.
    app.store
        .agent_routing(agent.id)
        .await?
        .ok_or_else(ServiceError::unauthorized)
}

/// Available or away for messaging (RT-1). Going away withdraws waiting offers.
pub async fn set_availability(
    app: &App,
    agent: &Agent,
    available: bool,
) -> Result<AgentRouting, ServiceError> {
    app.store
        .set_available(agent.id, available, app.clock.now())
        .await?;
    app.reroute();
    app.wake.live.agents([agent.id]);
    state(app, agent).await
}

/// Next (RT-2): offers come again after one was let go, and one more conversation
/// than the standard capacity, up to the maximum. Answers the routing state.
pub async fn next(app: &App, agent: &Agent) -> Result<AgentRouting, ServiceError> {
    ask_next(app, agent).await?;
    state(app, agent).await
}

/// Next without reading the state back (Close & Next). Refused with `at_maximum`
/// when the agent has their maximum of conversations.
pub async fn ask_next(app: &App, agent: &Agent) -> Result<(), ServiceError> {
    let answer = app.store.request_next(agent.id, app.clock.now()).await?;
    app.reroute();
    match answer {
        NextAnswer::Granted => Ok(()),
        NextAnswer::AtMaximum => Err(ServiceError::conflict(
            "at_maximum",
            "you have your maximum number of conversations; close one first",
        )),
    }
}

/// Offers waiting for the agent's answer.
pub async fn offers(app: &App, agent: &Agent) -> Result<Vec<Offer>, ServiceError> {
    Ok(app.store.offers_for(agent.id).await?)
}

/// An accepted offer: the conversation is the agent's; the customer is whose profile
/// to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedOffer {
    pub conversation: ConversationId,
    pub customer: CustomerId,
}

/// Accept (RT-3). Refused as not found when the offer is not this agent's to answer
/// (any more), and with `offer_expired` when its time ran out.
pub async fn accept(
    app: &App,
    agent: &Agent,
    offer: OfferId,
) -> Result<AcceptedOffer, ServiceError> {
    let customer = offers(app, agent)
        .await?
        .into_iter()
        .find(|o| o.id == offer)
        .ok_or_else(|| ServiceError::not_found("offer"))?
        .customer_id;
    match app
        .store
        .accept_offer(agent.id, offer, app.clock.now())
        .await?
    {
        OfferAnswer::Done(conversation) => {
            metrics::counter!("igdesk_offers_total", "result" => "accepted").increment(1);
            app.wake.live.agents([agent.id]);
            Ok(AcceptedOffer {
                conversation,
                customer,
            })
        }
        other => Err(refused(other)),
    }
}

/// Decline (RT-3): the work goes to another agent; this one gets no more offers until
/// Next.
pub async fn decline(app: &App, agent: &Agent, offer: OfferId) -> Result<(), ServiceError> {
    match app
        .store
        .decline_offer(agent.id, offer, app.clock.now())
        .await?
    {
        OfferAnswer::Done(_) => {
            metrics::counter!("igdesk_offers_total", "result" => "declined").increment(1);
            app.reroute();
            app.wake.live.agents([agent.id]);
            Ok(())
        }
        other => Err(refused(other)),
    }
}

fn refused(answer: OfferAnswer) -> ServiceError {
    match answer {
        OfferAnswer::Expired => ServiceError::conflict(
            "offer_expired",
            "the offer's 30 seconds ran out; it went to another agent",
        ),
        _ => ServiceError::not_found("offer"),
    }
}
