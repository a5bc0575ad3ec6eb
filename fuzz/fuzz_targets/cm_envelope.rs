//! A request to CM.com's message API as igdesk reads it: the envelope, each readable
//! message's rich content turned into Instagram messages and its validity, and the
//! response written back.
#![no_main]

use igdesk_domain::cm::{
    instagram_messages, parse_envelope, valid_until, CmMessageResult, CmResponse,
};
use libfuzzer_sys::fuzz_target;

/// 2026-01-01T00:00:00Z: a fixed clock, so a crash replays.
const NOW: i64 = 1_767_225_600_000;

fuzz_target!(|body: &[u8]| {
    let envelope = match parse_envelope(body) {
        Ok(envelope) => envelope,
        Err(e) => {
            let _ = serde_json::to_vec(&CmResponse::request_error(e.code(), e.to_string()));
            return;
        }
    };
    let mut results = Vec::new();
    for msg in &envelope.msgs {
        match msg {
            Err(rejection) => results.extend(CmMessageResult::unreadable(rejection)),
            Ok(msg) => {
                let reference = msg.reference.as_deref();
                let prepared = instagram_messages(msg).and_then(|messages| {
                    let until = msg
                        .validity
                        .as_deref()
                        .map(|v| valid_until(v, NOW))
                        .transpose()?;
                    Ok((messages, until))
                });
                match prepared {
                    Ok((messages, _)) => {
                        for m in &messages {
                            let _ = serde_json::to_vec(&m.message);
                        }
                        for to in &msg.to {
                            results.push(CmMessageResult::accepted(
                                to,
                                reference,
                                messages.len() as u32,
                            ));
                        }
                    }
                    Err(refusal) => {
                        results.extend(CmMessageResult::refused(&msg.to, reference, &refusal))
                    }
                }
            }
        }
    }
    let (_, response) = CmResponse::from_results(results);
    let _ = serde_json::to_vec(&response);
});
