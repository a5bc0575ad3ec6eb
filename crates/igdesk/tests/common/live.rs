//! A console's live stream, read as a browser's EventSource would: over real HTTP,
//! Server-Sent Events parsed line by line.

use serde_json::Value;
use std::time::Duration;

pub struct LiveStream {
    response: reqwest::Response,
    buffer: String,
}

#[derive(Debug, Clone)]
pub struct LiveEvent {
    pub id: i64,
    pub kind: String,
    pub data: Value,
}

impl LiveStream {
    /// Opens `/api/v1/events` as the agent with `token`, resuming after `last_id`.
    pub async fn open(url: &str, token: &str, last_id: Option<i64>) -> LiveStream {
        let mut request = reqwest::Client::new()
            .get(format!("{url}/api/v1/events"))
            .bearer_auth(token);
        if let Some(id) = last_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        LiveStream {
            response,
            buffer: String::new(),
        }
    }

    /// The next event, or `None` if none comes within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<LiveEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(event) = self.take_buffered() {
                return Some(event);
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .unwrap()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next event, which must come within ten seconds.
    pub async fn next(&mut self) -> LiveEvent {
        self.next_within(Duration::from_secs(10))
            .await
            .expect("a live event within 10 s")
    }

    /// The next event of `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> LiveEvent {
        loop {
            let event = self.next().await;
            if event.kind == kind {
                return event;
            }
        }
    }

    fn take_buffered(&mut self) -> Option<LiveEvent> {
        loop {
            let end = self.buffer.find("\n\n")?;
            let block: String = self.buffer.drain(..end + 2).collect();
            let (mut id, mut kind, mut data) = (None, None, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    kind = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            // Comments (keep-alives) have no event.
            if let (Some(id), Some(kind)) = (id, kind) {
                let data = serde_json::from_str(&data).unwrap();
                return Some(LiveEvent { id, kind, data });
            }
        }
    }
}
