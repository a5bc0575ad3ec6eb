//! News for the agents' live streams: which agents have new events. Events are in
//! the database; this only says whose stream should look now, so a burst of offers
//! to a few agents does not send every open stream to the database.

use igdesk_domain::AgentId;
use std::sync::Arc;
use tokio::sync::broadcast;

#[derive(Debug, Clone)]
pub enum News {
    Agents(Arc<[AgentId]>),
    Everyone,
}

impl News {
    pub fn concerns(&self, agent: AgentId) -> bool {
        match self {
            News::Everyone => true,
            News::Agents(agents) => agents.contains(&agent),
        }
    }
}

pub struct LiveHub {
    news: broadcast::Sender<News>,
}

impl Default for LiveHub {
    fn default() -> Self {
        // A stream that falls this far behind just looks at the database.
        let (news, _) = broadcast::channel(1024);
        LiveHub { news }
    }
}

impl LiveHub {
    pub fn agents(&self, agents: impl IntoIterator<Item = AgentId>) {
        let mut agents: Vec<AgentId> = agents.into_iter().collect();
        agents.sort_unstable();
        agents.dedup();
        if !agents.is_empty() {
            let _ = self.news.send(News::Agents(agents.into()));
        }
    }

    pub fn everyone(&self) {
        let _ = self.news.send(News::Everyone);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<News> {
        self.news.subscribe()
    }
}
