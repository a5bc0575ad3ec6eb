// Talking to igdesk from a page: the JSON API (with the session's CSRF token, as
// every signed-in write must carry it) and server-drawn fragments.

export function csrf() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? '';
}

/** A refusal from the server, in its own words. */
export class Refused extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export async function api(method, path, body) {
  const headers = { 'X-CSRF-Token': csrf(), Accept: 'application/json' };
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new Refused(0, 'offline', 'igdesk cannot be reached: check your connection and try again.');
  }
  if (response.status === 401) {
    window.location.assign('/');
    throw new Refused(401, 'unauthorized', 'Your session ended: sign in again.');
  }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new Refused(response.status, problem.code ?? 'error',
      sentence(problem.message ?? `igdesk answered ${response.status}`), problem.field);
  }
  return response.status === 204 ? null : response.json();
}

/** A fragment of a page, as HTML elements. */
export async function fragment(path) {
  const response = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
  if (response.status === 401 || response.redirected && new URL(response.url).pathname === '/') {
    window.location.assign('/');
    return [];
  }
  if (!response.ok) return null;
  const template = document.createElement('template');
  template.innerHTML = await response.text();
  return [...template.content.children];
}

/** Replaces `element` with the first element of `nodes`, keeping focus where it can. */
export function swap(element, nodes) {
  if (!element || !nodes || nodes.length === 0) return null;
  const focusedId = document.activeElement?.id;
  element.replaceWith(...nodes);
  if (focusedId) document.getElementById(focusedId)?.focus();
  return nodes[0];
}

function sentence(text) {
  const t = String(text).trim();
  if (!t) return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
