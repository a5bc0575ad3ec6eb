use super::*;

const TYPE: &str = "multipart/form-data; boundary=XyZ";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const GIF: &[u8] = b"GIF89a\x01\0\x01\0";

/// One part: name, file name, type and bytes.
type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

/// A body as a browser sends it.
fn body(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, file, content_type, bytes) in parts {
        out.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"");
        out.extend_from_slice(name.as_bytes());
        out.push(b'"');
        if let Some(file) = file {
            out.extend_from_slice(format!("; filename=\"{file}\"").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        if let Some(content_type) = content_type {
            out.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--XyZ--\r\n");
    out
}

#[test]
fn text_and_images_are_read_in_order_by_their_bytes() {
    let form = read(
        TYPE,
        &body(&[
            ("text", None, None, "héllo".as_bytes()),
            ("image", Some("a.png"), Some("image/png"), PNG),
            ("image", Some("b"), Some("application/octet-stream"), GIF),
            ("image", None, None, GIF),
        ]),
    )
    .unwrap();
    assert_eq!(form.text.as_deref(), Some("héllo"));
    let types: Vec<_> = form.images.iter().map(|i| i.content_type).collect();
    assert_eq!(types, ["image/png", "image/gif", "image/gif"]);
    assert_eq!(form.images[0].bytes, PNG);
}

#[test]
fn an_empty_form_is_no_text_and_no_images() {
    assert_eq!(read(TYPE, b"--XyZ--\r\n"), Ok(ReplyForm::default()));
}

#[test]
fn an_image_must_be_what_it_claims() {
    let refused = read(
        TYPE,
        &body(&[("image", Some("a.jpg"), Some("image/jpeg"), PNG)]),
    )
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "the file a.jpg is a PNG image but was sent as a JPEG: save it with its own type and attach it again"
    );
    let html = read(
        TYPE,
        &body(&[("image", Some(" "), Some("image/png"), b"<html>")]),
    );
    assert_eq!(
        html,
        Err(FormError::Image(ImageRefusal::NotAnImage {
            name: "the image".into()
        }))
    );
    assert_eq!(
        recognise_image(Some("IMAGE/PJPEG; q=1"), None, b"\xFF\xD8\xFF\xE0"),
        Ok("image/jpeg")
    );
    assert_eq!(
        recognise_image(Some("text/html"), Some("x.gif"), GIF)
            .unwrap_err()
            .to_string(),
        "the file x.gif is a GIF image but was sent as text/html: save it with its own type and attach it again"
    );
}

#[test]
fn other_fields_are_refused_by_name() {
    assert_eq!(
        read(TYPE, &body(&[("links", None, None, b"x")])),
        Err(FormError::UnexpectedField(Some("links".into())))
    );
}

#[test]
fn a_second_text_field_is_refused() {
    assert_eq!(
        read(
            TYPE,
            &body(&[("text", None, None, b"one"), ("text", None, None, b"two")])
        ),
        Err(FormError::RepeatedText)
    );
}

#[test]
fn unreadable_forms_say_so() {
    for (content_type, body) in [
        ("application/json", &b"{}"[..]),
        ("multipart/form-data", b"--XyZ--\r\n"),
        (TYPE, b""),
        // Cut short inside a part.
        (
            TYPE,
            b"--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhal",
        ),
    ] {
        assert!(
            matches!(read(content_type, body), Err(FormError::Unreadable(_))),
            "{content_type} {:?}",
            String::from_utf8_lossy(body)
        );
    }
}
