"""Schemathesis hooks for scripts/api-fuzz (loaded as SCHEMATHESIS_HOOKS=hooks).

Two things the OpenAPI document cannot hand a fuzzer:

- A credential that outlives the run. Every request carries a personal API token of
  the demo's administrator. The run may well revoke it (`DELETE /api/v1/tokens/{id}`
  takes any small id), so the token comes from here: checked again every few seconds
  and after any 401, and made anew over the API, with a session of the
  administrator, when it no longer signs in.
- Images. An upload is refused unless its bytes are a JPEG, PNG or GIF of the type
  its part or body claims; the document says which types (`encoding.contentType`,
  the body's media types), and these are files of those types.
"""

import json
import os
import threading

import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.core.file_samples import MEDIA_TYPE_FILE_SAMPLES

BASE_URL = os.environ["IGDESK_FUZZ_URL"]
EMAIL = os.environ["IGDESK_FUZZ_EMAIL"]
PASSWORD = os.environ["IGDESK_FUZZ_PASSWORD"]
COOKIE = "igdesk_session"

for media_type in ("image/jpeg", "image/png", "image/gif"):
    schemathesis.openapi.media_type(media_type, st.just(MEDIA_TYPE_FILE_SAMPLES[media_type]))


class _Minter:
    """A session of the administrator, kept apart from the fuzzed requests (no
    fuzzed request carries its cookie, so none can sign it out), that makes tokens.

    The session and the token in use are kept in IGDESK_FUZZ_STATE for the script's
    next pass: the run's wrong passwords (`PUT /api/v1/me/password`) soon hold the
    administrator's email off signing in for a while."""

    def __init__(self):
        self.lock = threading.Lock()
        self.http = requests.Session()
        self.state = os.environ["IGDESK_FUZZ_STATE"]
        try:
            with open(self.state) as f:
                saved = json.load(f)
            self.http.cookies.set(COOKIE, saved["cookie"])
            self.csrf = saved["csrf"]
            self.token = saved["token"]
        except FileNotFoundError:
            answer = self.http.post(
                f"{BASE_URL}/api/v1/session",
                json={"email": EMAIL, "password": PASSWORD},
                timeout=60,
            )
            answer.raise_for_status()
            self.csrf = answer.json()["csrf_token"]
            self.token = os.environ["IGDESK_FUZZ_TOKEN"]
            self._save()

    def _save(self):
        with open(self.state, "w") as f:
            json.dump(
                {"cookie": self.http.cookies.get(COOKIE), "csrf": self.csrf, "token": self.token},
                f,
            )

    def _signs_in(self, token):
        answer = requests.get(
            f"{BASE_URL}/api/v1/me",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        return answer.status_code == 200

    def current(self):
        with self.lock:
            if self._signs_in(self.token):
                return self.token
            answer = self.http.post(
                f"{BASE_URL}/api/v1/tokens",
                json={"label": "api-fuzz"},
                headers={"X-CSRF-Token": self.csrf},
                timeout=30,
            )
            answer.raise_for_status()
            self.token = answer.json()["token"]
            self._save()
            return self.token


MINTER = _Minter()


# Checked every 5 seconds, and again after a 401 (schemathesis's default `retry_on`).
@schemathesis.auth(refresh_interval=5)
class AdministratorToken:
    def get(self, case, ctx):
        return MINTER.current()

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


# A form's field carries text, whatever the generator meant it to be: a number, an
# object or a list of one item reaches the server as one `text` part, which a valid
# request may send, and an empty list as no `text` part at all. Such a mutation is no
# invalid request on the wire, so it is not sent; a list of two or more is (a second
# `text` part refuses the form) and is kept. JSON bodies keep every mutation.
@schemathesis.hook
def filter_case(ctx, case):
    if not (case.media_type or "").startswith("multipart/form-data"):
        return True
    if not isinstance(case.body, dict) or "text" not in case.body:
        return True
    text = case.body["text"]
    return isinstance(text, str) or (isinstance(text, list) and len(text) >= 2)
