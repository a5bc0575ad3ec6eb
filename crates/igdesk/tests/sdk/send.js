// Sends five messages to igdesk's POST /v1.0/message with CM.com's official Node SDK,
// @cmdotcom/text-sdk, used as published: the only change is the base path. Prints one
// JSON line per response body; exits 1 on the first rejection, printing its body.
// Run by crates/igdesk/tests/cm_sdk.rs; install first: npm ci --prefix crates/igdesk/tests/sdk
"use strict";

const { MessageApiClient } = require("@cmdotcom/text-sdk");

function env(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`send.js: the environment variable ${name} is required`);
    process.exit(2);
  }
  return value;
}

const IGDESK_URL = env("IGDESK_URL");
const PRODUCT_TOKEN = env("PRODUCT_TOKEN");
const FROM = env("FROM");
const TO = env("TO");
const IMAGE_URL = env("IMAGE_URL");

const client = new MessageApiClient(PRODUCT_TOKEN);

// A message builder that talks to igdesk instead of CM.com's gateway.
function message(text, reference) {
  const msg = client.createMessage().setMessage([TO], FROM, text, reference);
  msg.api.basePath = IGDESK_URL;
  return msg.setAllowedChannels(["Instagram"]);
}

const sends = [
  // (a) Plain text, as sendTextMessage builds it.
  () => message("Hello from the SDK", "ref-text"),
  // (b) Text with an image.
  () =>
    message("Our logo (fallback)", "ref-image").setConversation([
      {
        text: "Our logo",
        media: { mediaName: "logo.png", mediaUri: IMAGE_URL, mimeType: "image/png" },
      },
    ]),
  // (c) Quick replies: the SDK sends them as richContent.suggestions.
  () =>
    message("Pick one (fallback)", "ref-quick")
      .setConversation([{ text: "Pick one" }])
      .setSuggestion([
        { action: "reply", label: "Call me", postbackdata: "CALL" },
        { action: "reply", label: "Talk to a person", postbackdata: "HUMAN_AGENT" },
      ]),
  // (d) A rich card.
  () =>
    message("We are here (fallback)", "ref-card").setConversation([
      {
        header: "We are here",
        text: "Visit us",
        media: { mediaUri: IMAGE_URL },
        suggestions: [
          { action: "openUrl", label: "Website", url: "https://example.com" },
          { action: "reply", label: "Chat", postbackdata: "HUMAN_AGENT" },
        ],
      },
    ]),
  // (e) A carousel.
  () =>
    message("Our cards (fallback)", "ref-carousel").setConversation([
      {
        carousel: {
          cards: [
            { header: "One", text: "First", media: { mediaUri: IMAGE_URL } },
            {
              header: "Two",
              suggestions: [{ action: "openUrl", label: "Open", url: "https://example.com/2" }],
            },
          ],
        },
      },
    ]),
];

(async () => {
  for (const build of sends) {
    try {
      const res = await build().send();
      console.log(JSON.stringify(res.data));
    } catch (err) {
      if (err.response) {
        console.error(`HTTP ${err.response.status}: ${JSON.stringify(err.response.data)}`);
      } else {
        console.error(String(err && err.stack ? err.stack : err));
      }
      process.exit(1);
    }
  }
})();
