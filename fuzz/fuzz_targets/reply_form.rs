//! The console's reply form: the input's first line is the `Content-Type` (with its
//! boundary), the rest the body, read as `POST /api/v1/customers/{id}/messages` reads it.
#![no_main]

use igdesk_domain::reply_form;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let (content_type, body) = match input.iter().position(|&b| b == b'\n') {
        Some(end) => (&input[..end], &input[end + 1..]),
        None => (input, &[][..]),
    };
    let Ok(content_type) = std::str::from_utf8(content_type) else {
        // A header igdesk reads only as text.
        return;
    };
    match reply_form::read(content_type, body) {
        Ok(form) => {
            for image in &form.images {
                assert_eq!(reply_form::sniff(&image.bytes), Some(image.content_type));
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
