//! A webhook delivery as Meta posts it: the intake's shape check, then the worker's
//! split into entries and items and the decoding of every item.
#![no_main]

use igdesk_meta::webhook::{check_envelope, decode_item, parse_envelope, read_at_intake};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let _ = check_envelope(body);
    let _ = read_at_intake(body);
    if let Ok(envelope) = parse_envelope(body) {
        for entry in &envelope.entries {
            for item in &entry.items {
                if let Ok(event) = decode_item(entry, item) {
                    let _ = format!("{event:?}");
                }
            }
        }
    }
});
