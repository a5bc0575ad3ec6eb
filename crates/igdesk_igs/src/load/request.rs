//! The load generator's request: built once as a complete HTTP/1.1 request, then
//! patched in place for each send (unique mid, customer IGSID, timestamp,
//! signature). Patching keeps every request unique without allocating or
//! holding millions of pre-built bodies in memory; the HMAC key schedule is
//! computed once, so signing costs one pass over ~400 bytes.

use anyhow::{bail, Context as _};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids;
use crate::webhook::{Delivery, Event};

const IGSID_PLACEHOLDER: &str = "IGSIDPLACEHOLDER";
const COUNTER_PLACEHOLDER: &str = "MIDCOUNTERPLACEH";
/// A 13-digit sentinel (milliseconds), present twice: `entry.time` and `timestamp`.
const TIME_PLACEHOLDER: i64 = 1_234_567_890_123;
/// Load customers' IGSIDs: 16 digits, so every body has the same length.
const IGSID_BASE: u64 = 9_000_000_000_000_000;

pub(crate) struct Target {
    pub host_header: String,
    pub path: String,
}

#[derive(Clone)]
pub(crate) struct Template {
    bytes: Vec<u8>,
    body_start: usize,
    counter_at: usize,
    igsid_at: usize,
    time_at: [usize; 2],
    signature_at: usize,
    key: Hmac<Sha256>,
    customers: u64,
}

impl Template {
    pub fn new(
        target: &Target,
        secret: &str,
        business: &str,
        customers: usize,
    ) -> anyhow::Result<Template> {
        // A per-run token keeps mids unique across runs against the same server.
        let run = &ids::new_mid()[ids::MID_PREFIX.len()..][..8];
        let mid = format!("{}{run}{COUNTER_PLACEHOLDER}ZDZD", ids::MID_PREFIX);
        let event = Event::text(IGSID_PLACEHOLDER, "Load test message, please ignore")
            .with_mid(mid)
            .with_timestamp_ms(TIME_PLACEHOLDER);
        let body = Delivery::new(business).push(event).to_bytes();
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: igdesk-igs-load\r\nContent-Type: application/json\r\n\
             X-Hub-Signature-256: sha256={}\r\nContent-Length: {}\r\n\r\n",
            target.path,
            target.host_header,
            "0".repeat(64),
            body.len()
        );
        let mut bytes = head.into_bytes();
        let body_start = bytes.len();
        bytes.extend_from_slice(&body);
        let signature_at = find_all(&bytes, b"sha256=")[0] + "sha256=".len();
        let one = |needle: &str| -> anyhow::Result<usize> {
            match find_all(&bytes, needle.as_bytes()).as_slice() {
                [at] => Ok(*at),
                _ => bail!("the business account id must not contain {needle}"),
            }
        };
        let counter_at = one(COUNTER_PLACEHOLDER)?;
        let igsid_at = one(IGSID_PLACEHOLDER)?;
        let time_at = match find_all(&bytes, TIME_PLACEHOLDER.to_string().as_bytes()).as_slice() {
            [a, b] => [*a, *b],
            _ => bail!("the business account id must not contain {TIME_PLACEHOLDER}"),
        };
        let key = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).context("app secret")?;
        let customers = customers.max(1) as u64;
        Ok(Template {
            bytes,
            body_start,
            counter_at,
            igsid_at,
            time_at,
            signature_at,
            key,
            customers,
        })
    }

    /// A buffer to render into (a copy of the template).
    pub fn buffer(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// Make `buf` request number `n`, sent at `now_ms`, and sign it.
    pub fn render(&self, buf: &mut [u8], n: u64, now_ms: i64) {
        write_digits(&mut buf[self.counter_at..][..COUNTER_PLACEHOLDER.len()], n);
        write_digits(
            &mut buf[self.igsid_at..][..IGSID_PLACEHOLDER.len()],
            IGSID_BASE + n % self.customers,
        );
        for at in self.time_at {
            write_digits(&mut buf[at..][..13], now_ms.max(0) as u64);
        }
        let mut mac = self.key.clone();
        mac.update(&buf[self.body_start..]);
        let digest = mac.finalize().into_bytes();
        hex::encode_to_slice(digest, &mut buf[self.signature_at..][..64])
            .expect("64 hex digits fit");
    }
}

/// Write `n` as zero-padded decimal filling `dst` (higher digits are dropped).
fn write_digits(dst: &mut [u8], mut n: u64) {
    for byte in dst.iter_mut().rev() {
        *byte = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::sign_body;

    #[test]
    fn rendered_requests_are_unique_and_correctly_signed() {
        let target = Target {
            host_header: "localhost:1".into(),
            path: "/webhooks/instagram".into(),
        };
        let template = Template::new(&target, "secret", "17841400000000001", 3).unwrap();
        let mut buf = template.buffer();
        template.render(&mut buf, 42, 1_700_000_000_000);
        let text = String::from_utf8(buf.clone()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let signature = head
            .lines()
            .find_map(|l| l.strip_prefix("X-Hub-Signature-256: "))
            .unwrap();
        assert_eq!(signature, sign_body("secret", body.as_bytes()));
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        let item = &json["entry"][0]["messaging"][0];
        assert_eq!(item["sender"]["id"], "9000000000000000");
        assert_eq!(item["timestamp"], 1_700_000_000_000i64);
        assert!(item["message"]["mid"]
            .as_str()
            .unwrap()
            .contains("0000000000000042"));
        template.render(&mut buf, 43, 1_700_000_000_000);
        let next: serde_json::Value = serde_json::from_slice(&buf[template.body_start..]).unwrap();
        assert_eq!(
            next["entry"][0]["messaging"][0]["sender"]["id"],
            "9000000000000001"
        );
    }
}
