//! CM.com's error codes, so clients that switch on them behave as they do against
//! CM.com. Request-level codes go in the response's `errorCode`, per-message ones in
//! each message's `messageErrorCode`.

/// Everything was accepted.
pub const OK: u16 = 0;
/// Authentication failed: the product token is missing, unknown or revoked.
pub const AUTHENTICATION_FAILED: u16 = 101;
/// The product token is not a token at all (not the shape igdesk issues), so it was
/// not even looked up.
pub const PRODUCT_TOKEN_INCORRECT: u16 = 103;
/// One or more messages of the request were rejected; see each message's code.
pub const MESSAGES_REJECTED: u16 = 201;
/// The body is not JSON, or not CM.com's `{"messages":{…}}` envelope.
pub const MALFORMED: u16 = 202;
/// `messages.msg` is missing, not an array, or empty.
pub const NO_MESSAGES: u16 = 203;
/// A message has no `from` (the Instagram account id).
pub const MISSING_FROM: u16 = 301;
/// A message has no `to`, or a `to` without `number` (the IGSID).
pub const MISSING_TO: u16 = 302;
/// The recipient cannot be messaged: the handler uses it for an account the token may
/// not use or an IGSID that has never written (igdesk never starts a conversation).
pub const INVALID_RECIPIENT: u16 = 303;
/// The body gives nothing Instagram can show (empty text, empty rich content).
pub const BODY: u16 = 304;
/// A field is wrong: its type, its length, or something Instagram cannot do.
pub const FIELD: u16 = 305;
/// igdesk failed on its side; the request may be retried.
pub const INTERNAL: u16 = 500;
