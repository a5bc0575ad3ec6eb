//! News for the agents' live streams: which agents have new events. Events are in
//! the database; this only says whose stream should look now, so a burst of offers
//! to a few agents does not send every open stream to the database. What wrote an
//! event wakes its streams; `watch` is the safety net for news that never came (on
//! PostgreSQL, another instance's lost `NOTIFY`): one look an instance, not one a
//! stream.

use crate::app::App;
use igdesk_domain::AgentId;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// How often an instance looks for events its streams were not woken for (RT-8: on
/// a console within a second).
const WATCH: Duration = Duration::from_millis(500);

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
    /// The other instances' streams hear it too (`wake`, on PostgreSQL).
    elsewhere: crate::wake::Outbox,
}

impl Default for LiveHub {
    fn default() -> Self {
        // A stream that falls this far behind just looks at the database.
        let (news, _) = broadcast::channel(1024);
        LiveHub {
            news,
            elsewhere: crate::wake::Outbox::default(),
        }
    }
}

impl LiveHub {
    pub fn agents(&self, agents: impl IntoIterator<Item = AgentId>) {
        let mut agents: Vec<AgentId> = agents.into_iter().collect();
        agents.sort_unstable();
        agents.dedup();
        if !agents.is_empty() {
            self.elsewhere
                .publish(crate::wake::Wake::Live(agents.clone()));
            let _ = self.news.send(News::Agents(agents.into()));
        }
    }

    pub fn everyone(&self) {
        self.elsewhere.publish(crate::wake::Wake::Live(Vec::new()));
        let _ = self.news.send(News::Everyone);
    }

    /// News another instance published: for the streams here only.
    pub(crate) fn here(&self, news: News) {
        let _ = self.news.send(news);
    }

    pub(crate) fn connect(&self, bus: tokio::sync::mpsc::UnboundedSender<crate::wake::Wake>) {
        self.elsewhere.connect(bus);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<News> {
        self.news.subscribe()
    }
}

/// Every `WATCH`, wakes the streams here of the agents with events since the last
/// look that no wake-up announced, whoever wrote them. A stream woken for news it
/// already read reads nothing and waits again.
pub async fn watch(app: App, cancel: CancellationToken) {
    let mut mark = None;
    loop {
        match app.store.agents_with_news(mark).await {
            Ok(news) => {
                if !news.agents.is_empty() {
                    app.wake.live.here(News::Agents(news.agents.into()));
                }
                mark = Some(news.mark);
            }
            Err(e) => tracing::warn!(error = %e, "cannot look for the streams' news"),
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(WATCH) => {}
        }
    }
}
