// Live behaviour shared by every signed-in page: the agent's stream (offers, their
// withdrawal, assignments, new items and statuses), the offer banner's countdown,
// the top bar's controls and the keys A, D and N.

import { api, csrf, fragment, swap } from './api.js';

const itemListeners = [];

/** Pages that show items (the profile) hear about item events here. */
export function onItemEvent(listener) {
  itemListeners.push(listener);
}

const openListeners = [];

/**
 * Each time the stream (re)opens: it starts after the newest event, so what changed
 * between drawing the page and now is not in it, and a page may look once.
 */
export function onStreamOpen(listener) {
  openListeners.push(listener);
}

const baseTitle = document.title;
let renderedAt = performance.now();

function offersRegion() { return document.getElementById('offers'); }

let nameRetries = 0;

// Refreshes of one region can overlap; only the one asked last may draw, so an
// answer from before an offer was made never hides it.
const asked = {};
async function latest(region, path) {
  asked[region] = (asked[region] ?? 0) + 1;
  const mine = asked[region];
  const nodes = await fragment(path);
  return mine === asked[region] ? nodes : null;
}

async function refreshOffers() {
  const nodes = await latest('offers', '/fragments/offers');
  if (nodes) {
    swap(offersRegion(), nodes);
    renderedAt = performance.now();
    tick();
    announceOffers();
    awaitNames();
  }
}

function showOffer(html) {
  const region = offersRegion();
  const template = document.createElement('template');
  template.innerHTML = html.trim();
  const article = template.content.firstElementChild;
  if (!region || !article || region.querySelector(`[data-offer-id="${article.dataset.offerId}"]`)) return;
  for (const input of article.querySelectorAll('input[name="csrf"]')) input.value = csrf();
  // Its countdown starts from the seconds the server gave, now.
  const left = parseInt(article.querySelector('.seconds')?.textContent ?? '30', 10) || 30;
  article.dataset.total = String(left + (performance.now() - renderedAt) / 1000);
  const fill = article.querySelector('.fill');
  if (fill) fill.style.animationDelay = `${-(30 - left)}s`;
  region.querySelector('#held-notice')?.remove();
  region.append(article);
  region.dataset.count = String(region.querySelectorAll('.offer').length);
  tick();
  announceOffers();
  awaitNames();
}

// A customer new to igdesk is known by number until Instagram's profile arrives,
// a moment later: the banner is drawn again then.
function awaitNames() {
  const unnamed = [...document.querySelectorAll('#offers .offer strong')]
    .some((name) => /^\d+$/.test(name.textContent.trim()));
  if (!unnamed) { nameRetries = 0; return; }
  if (nameRetries >= 5) return;
  nameRetries += 1;
  setTimeout(refreshOffers, 1000 * nameRetries);
}

async function refreshTopbar() {
  const nodes = await latest('topbar', '/fragments/topbar');
  if (nodes) swap(document.getElementById('routing'), nodes);
}

async function refreshConversations() {
  // Settings pages leave the list out.
  if (!document.getElementById('my-conversations')) return;
  const current = document.querySelector('.profile[data-customer-id]')?.dataset.customerId ?? 0;
  const unread = [...document.querySelectorAll('#my-conversations li.unread')].map((li) => li.dataset.conversationId);
  // The list's filters (its view) travel with it: `?state=…&label=…`.
  const view = document.getElementById('my-conversations').dataset.query?.replace(/^\?/, '&') ?? '';
  const nodes = await latest('conversations', `/fragments/conversations?current=${current}${view}`);
  const region = document.getElementById('my-conversations');
  if (nodes && region) {
    // Filters or an Assign the agent has open stay open, with what they chose.
    const open = [...region.querySelectorAll('details[open]')].map((d) => ({
      select: d.querySelector('select')?.id,
      values: [...d.querySelectorAll('select')].map((s) => [s.id, s.value]),
    }));
    swap(region, nodes);
    for (const { select, values } of open) {
      const details = select && document.getElementById(select)?.closest('details');
      if (!details) continue;
      details.open = true;
      for (const [id, value] of values) {
        const field = document.getElementById(id);
        if (field && [...field.options].some((o) => o.value === value)) field.value = value;
      }
    }
    for (const id of unread) {
      document.querySelector(`#my-conversations li[data-conversation-id="${id}"]`)?.classList.add('unread');
    }
  }
}

function announceOffers() {
  const count = document.querySelectorAll('#offers .offer').length;
  document.title = count > 0 ? `(${count}) ${baseTitle}` : baseTitle;
  if (count > 0 && document.hidden && 'Notification' in window && Notification.permission === 'granted') {
    const name = document.querySelector('#offers .offer strong')?.textContent ?? 'A customer';
    new Notification('igdesk: new work', { body: `${name} is waiting for you` });
  }
}

/**
 * The countdown: the seconds the server gave when drawing the banner, less the time
 * since. The bar shrinks by a CSS animation started at the right point; the number is
 * written only when it changes, so a page with offers costs next to nothing.
 */
function tick() {
  const elapsed = (performance.now() - renderedAt) / 1000;
  for (const offer of document.querySelectorAll('#offers .offer')) {
    const seconds = offer.querySelector('.seconds');
    if (!seconds) continue;
    if (offer.dataset.total === undefined) {
      offer.dataset.total = parseInt(seconds.textContent, 10) || 30;
      const fill = offer.querySelector('.fill');
      if (fill) fill.style.animationDelay = `${-(30 - Number(offer.dataset.total) + elapsed)}s`;
    }
    const left = `${Math.max(0, Math.ceil(Number(offer.dataset.total) - elapsed))} s`;
    if (seconds.textContent !== left) seconds.textContent = left;
  }
}

async function answerOffer(form, answer) {
  const offer = form.closest('.offer');
  const id = offer.dataset.offerId;
  const status = document.getElementById('live-status');
  try {
    if (answer === 'accept') {
      const accepted = await api('POST', `/offers/${id}/accept`);
      window.location.assign(`/customers/${accepted.customer_id}#composer`);
      return;
    }
    await api('POST', `/offers/${id}/decline`);
    offer.remove();
  } catch (refused) {
    if (status) status.textContent = refused.message;
    offer.remove();
  }
  await Promise.all([refreshOffers(), refreshTopbar()]);
}

async function setAvailable(toggle) {
  const available = toggle.getAttribute('aria-checked') !== 'true';
  try {
    await api('PUT', '/me/availability', { available });
  } catch (refused) {
    document.getElementById('live-status').textContent = refused.message;
  }
  await Promise.all([refreshTopbar(), refreshOffers()]);
}

async function next() {
  try {
    await api('POST', '/me/next');
  } catch (refused) {
    document.getElementById('live-status').textContent = refused.message;
  }
  await Promise.all([refreshTopbar(), refreshOffers()]);
}

// Forms of the frame post without scripts too; with them, they use the JSON API.
document.addEventListener('submit', (event) => {
  const form = event.target;
  const kind = form.dataset?.api;
  if (!kind) return;
  event.preventDefault();
  if (kind === 'accept' || kind === 'decline') answerOffer(form, kind);
  else if (kind === 'availability') setAvailable(form.querySelector('[role="switch"]'));
  else if (kind === 'next') next();
});

function typing(target) {
  return target.closest('input, textarea, select, [contenteditable="true"]');
}

// Alt + ↑ / ↓: the previous or next of the agent's conversations.
document.addEventListener('keydown', (event) => {
  if (!event.altKey || !['ArrowUp', 'ArrowDown'].includes(event.key)) return;
  const links = [...document.querySelectorAll('#my-conversations a')];
  if (links.length === 0) return;
  const at = links.findIndex((a) => a.getAttribute('aria-current') === 'page');
  const step = event.key === 'ArrowDown' ? 1 : -1;
  const to = links[(at + step + links.length) % links.length] ?? links[0];
  event.preventDefault();
  window.location.assign(to.href);
});

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  const first = document.querySelector('#offers .offer');
  const key = event.key.toLowerCase();
  if (key === 'a' && first) {
    event.preventDefault();
    answerOffer(first.querySelector('[data-api="accept"]'), 'accept');
  } else if (key === 'd' && first) {
    event.preventDefault();
    answerOffer(first.querySelector('[data-api="decline"]'), 'decline');
  } else if (key === 'n') {
    const button = document.getElementById('next-button');
    if (button && !button.disabled) { event.preventDefault(); next(); }
  }
});

function connect() {
  const status = document.getElementById('live-status');
  const stream = new EventSource('/api/v1/events');
  stream.onopen = () => {
    if (status) status.textContent = '';
    // A fresh stream starts after the newest event: an offer (or assignment) made
    // between drawing this page and now is not in it, so look once.
    refreshOffers();
    refreshTopbar();
    refreshConversations();
    for (const listener of openListeners) listener();
  };
  stream.onerror = () => {
    // The browser reconnects by itself and resumes with Last-Event-ID.
    if (status) status.textContent = 'Reconnecting…';
  };
  // An offer changes the banner and the top bar's counts; an assignment or an ending
  // changes the agent's conversations too.
  // An offer's banner comes drawn with the event: shown at once, with no request on
  // the way.
  stream.addEventListener('offer', (message) => {
    let data = {};
    try { data = JSON.parse(message.data); } catch { /* drawn by the refresh */ }
    if (data.html) showOffer(data.html);
    // Then the region as the server has it now (the shown offer stays on screen).
    refreshOffers();
    refreshTopbar();
  });
  // Switched off by an administrator (or signed out elsewhere): the session is
  // gone, and the sign-in form says why.
  // A password change ends the agent's *other* sessions and tells every stream:
  // this page's session may still stand (it is the one that changed it).
  stream.addEventListener('signed_out', async () => {
    let stands = false;
    try {
      stands = (await fetch('/api/v1/session', { credentials: 'same-origin' })).ok;
    } catch {
      // Offline: the stream's own retry finds out later.
    }
    if (stands) return;
    stream.close();
    window.location.assign('/');
  });
  stream.addEventListener('offer_withdrawn', () => {
    refreshOffers();
    refreshTopbar();
  });
  for (const kind of ['assigned', 'unassigned', 'ended', 'transferred']) {
    stream.addEventListener(kind, () => {
      refreshOffers();
      refreshTopbar();
      refreshConversations();
    });
  }
  // Someone mentioned this agent in an internal note: a quiet notice, drawn with the
  // event, that stays until dismissed.
  stream.addEventListener('mention', (message) => {
    let data = {};
    try { data = JSON.parse(message.data); } catch { return; }
    if (data.html) showMention(data.html);
  });
  for (const kind of ['item', 'item_updated', 'status', 'reaction', 'note_deleted', 'labels']) {
    stream.addEventListener(kind, (message) => {
      let data;
      try { data = JSON.parse(message.data); } catch { return; }
      let shown = false;
      for (const listener of itemListeners) shown = listener(kind, data) || shown;
      // A customer's labels changed: the list's Label filter offers them.
      if (kind === 'labels') refreshConversations();
      if (kind === 'item') {
        refreshConversations().then(() => {
          if (!shown && data.item?.direction === 'in' && data.conversation_id) {
            document.querySelector(`#my-conversations li[data-conversation-id="${data.conversation_id}"]`)?.classList.add('unread');
          }
        });
      }
    });
  }
}

function showMention(html) {
  const region = document.getElementById('mentions');
  const template = document.createElement('template');
  template.innerHTML = html.trim();
  const notice = template.content.firstElementChild;
  if (!region || !notice || region.querySelector(`[data-event-id="${notice.dataset.eventId}"]`)) return;
  region.append(notice);
  if (document.hidden && 'Notification' in window && Notification.permission === 'granted') {
    new Notification('igdesk', { body: notice.querySelector('p')?.textContent.trim() ?? 'You were mentioned' });
  }
}

document.addEventListener('click', (event) => {
  const dismiss = event.target.closest('.mention-notice .dismiss');
  if (!dismiss) return;
  const notice = dismiss.closest('.mention-notice');
  const next = notice.nextElementSibling?.querySelector('.dismiss') ?? notice.previousElementSibling?.querySelector('.dismiss');
  notice.remove();
  (next ?? document.getElementById('main'))?.focus();
});

setInterval(tick, 500);
tick();
announceOffers();
awaitNames();
connect();
