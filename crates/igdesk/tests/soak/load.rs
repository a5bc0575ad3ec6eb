//! The soak's mixed load, and what became of each piece of it: customers writing
//! (the simulator delivering as Meta does, again and again until igdesk answers
//! 200), an agent replying from the console's JSON API, and an API user sending
//! with `POST /v1.0/message`. Each task writes in its own customer's order, so the
//! order Meta received things in can be checked against the order they were made.

use igdesk_igs::{Delivery, Event, Simulator};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// What igdesk answered to a reply or an API message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 202 (console) or 200 with `Accepted` (API): it must reach Meta exactly once.
    Accepted,
    /// Never taken: the connection was refused (igdesk was down) or igdesk said no.
    Refused,
    /// igdesk died while answering: it may have been taken, so at most once.
    Unknown,
}

/// One reply or API message, in the order its customer's task wrote them.
#[derive(Debug, Clone)]
pub struct Written {
    pub text: String,
    /// The API caller's `reference` (API messages only).
    pub reference: Option<String>,
    pub outcome: Outcome,
}

#[derive(Default)]
pub struct Ledger {
    /// Customer messages Meta got a 200 for, per customer in the order written.
    pub acked: BTreeMap<String, Vec<String>>,
    /// Webhook POSTs Meta made for them, and how many of those failed.
    pub delivery_attempts: u64,
    pub delivery_failures: u64,
    pub replies: BTreeMap<String, Vec<Written>>,
    pub api: BTreeMap<String, Vec<Written>>,
}

/// Where the load goes and how it is told to stop.
#[derive(Clone)]
pub struct Target {
    pub sim: Simulator,
    /// igdesk's address, the same across restarts.
    pub url: String,
    /// The agent's personal API token.
    pub token: String,
    /// The product token of the API account.
    pub product_token: String,
    pub ledger: Arc<Mutex<Ledger>>,
    pub stop: Arc<AtomicBool>,
    http: reqwest::Client,
}

impl Target {
    pub fn new(sim: Simulator, url: String, token: String, product_token: String) -> Target {
        Target {
            sim,
            url,
            token,
            product_token,
            ledger: Arc::default(),
            stop: Arc::default(),
            // A fresh connection per request: a request on a connection pooled before a
            // kill would fail as "unknown" though it never left.
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// One customer message, delivered as Meta does: the same signed bytes again
    /// (backing off) until igdesk acknowledges them.
    pub async fn customer_writes(&self, business: &str, igsid: &str, text: String) {
        let event = Event::text(igsid, text);
        let mid = event.mid().unwrap().to_owned();
        let delivery = Delivery::new(business).push(event);
        let mut pause = Duration::from_millis(50);
        loop {
            let answer = self.sim.deliver(&delivery).await;
            let acked = matches!(answer, Ok(200));
            {
                let mut ledger = self.ledger.lock().unwrap();
                ledger.delivery_attempts += 1;
                if acked {
                    ledger.acked.entry(igsid.to_owned()).or_default().push(mid);
                    return;
                }
                ledger.delivery_failures += 1;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    async fn outcome(
        &self,
        request: reqwest::RequestBuilder,
        accepted: fn(u16, &serde_json::Value) -> bool,
    ) -> Outcome {
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.json::<serde_json::Value>().await {
                    Ok(body) if accepted(status, &body) => Outcome::Accepted,
                    // The answer was cut off: it may have been taken.
                    Err(_) if (200..300).contains(&status) => Outcome::Unknown,
                    _ => Outcome::Refused,
                }
            }
            Err(e) if e.is_connect() => Outcome::Refused,
            Err(_) => Outcome::Unknown,
        }
    }

    /// A console reply, as the console's JSON API takes it.
    pub async fn agent_replies(&self, igsid: &str, customer: i64, text: String) {
        let request = self
            .http
            .post(format!("{}/api/v1/customers/{customer}/messages", self.url))
            .bearer_auth(&self.token)
            .json(&json!({ "text": text }));
        let outcome = self.outcome(request, |status, _| status == 202).await;
        let written = Written {
            text,
            reference: None,
            outcome,
        };
        let mut ledger = self.ledger.lock().unwrap();
        ledger
            .replies
            .entry(igsid.to_owned())
            .or_default()
            .push(written);
    }

    /// A message through the Business Messaging API.
    pub async fn api_sends(&self, business: &str, igsid: &str, text: String, reference: String) {
        let body = json!({ "messages": { "msg": [{
            "from": business,
            "to": [{"number": igsid}],
            "allowedChannels": ["Instagram"],
            "body": {"type": "auto", "content": text},
            "reference": reference,
        }]}});
        let request = self
            .http
            .post(format!("{}/v1.0/message", self.url))
            .header("X-CM-PRODUCTTOKEN", &self.product_token)
            .json(&body);
        let outcome = self
            .outcome(request, |status, body| {
                status == 200 && body["messages"][0]["status"] == "Accepted"
            })
            .await;
        let written = Written {
            text,
            reference: Some(reference),
            outcome,
        };
        let mut ledger = self.ledger.lock().unwrap();
        ledger
            .api
            .entry(igsid.to_owned())
            .or_default()
            .push(written);
    }
}

/// A pause between two things one customer's task does.
fn pause(rng: &mut StdRng) -> Duration {
    Duration::from_millis(rng.gen_range(80..320))
}

/// Starts the load: each customer of both accounts writes, the agent replies to
/// the console account's customers (`(igsid, igdesk's id)`), and the API user
/// sends to the API account's customers, until `target.stop` is set.
pub fn start(
    target: &Target,
    seed: u64,
    console: (&str, &[(String, i64)]),
    api: (&str, &[String]),
) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    let mut task_seed = seed;
    let mut next_rng = || {
        task_seed = task_seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        StdRng::seed_from_u64(task_seed)
    };
    let writers = console
        .1
        .iter()
        .map(|(igsid, _)| (console.0, igsid.clone()))
        .chain(api.1.iter().map(|igsid| (api.0, igsid.clone())));
    for (business, igsid) in writers {
        let (target, business, mut rng) = (target.clone(), business.to_owned(), next_rng());
        tasks.push(tokio::spawn(async move {
            let mut k = 0;
            while !target.stopped() {
                k += 1;
                let text = format!("message {k} from {igsid}");
                target.customer_writes(&business, &igsid, text).await;
                tokio::time::sleep(pause(&mut rng)).await;
            }
        }));
    }
    for (igsid, customer) in console.1.iter().cloned() {
        let (target, mut rng) = (target.clone(), next_rng());
        tasks.push(tokio::spawn(async move {
            let mut k = 0;
            while !target.stopped() {
                k += 1;
                let text = format!("reply {k} to {igsid}");
                target.agent_replies(&igsid, customer, text).await;
                tokio::time::sleep(pause(&mut rng)).await;
            }
        }));
    }
    for igsid in api.1 {
        let (igsid, business) = (igsid.clone(), api.0.to_owned());
        let (target, mut rng) = (target.clone(), next_rng());
        tasks.push(tokio::spawn(async move {
            let mut k = 0;
            while !target.stopped() {
                k += 1;
                let text = format!("api {k} to {igsid}");
                let reference = format!("ref-{igsid}-{k}");
                target.api_sends(&business, &igsid, text, reference).await;
                tokio::time::sleep(pause(&mut rng)).await;
            }
        }));
    }
    tasks
}
