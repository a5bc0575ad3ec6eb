// The customer profile: the composer (counter, images, links, topic, Send), each
// item's menu, ending the conversation, contact details, older items, and the
// timeline kept up to date from the live stream.

import { api, fragment, swap } from './api.js';
import { onItemEvent, onStreamOpen } from './live.js';

const LIMIT = 640;
const WARN_AT = 630;
// An internal note is not an Instagram message: its own limit (service/notes.rs).
const NOTE_LIMIT = 2000;
// Instagram also counts a message's bytes; emoji take up to four each.
const MAX_BYTES_TEXT = 1000;
const MAX_IMAGES = 10;
const MAX_BYTES = 5 * 1024 * 1024;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif'];
// Items a page of the timeline holds (web/profile.rs PAGE_ITEMS).
const PAGE_ITEMS = 60;

const profile = document.querySelector('.profile');
const customerId = profile?.dataset.customerId;
const timeline = document.getElementById('timeline');
const composer = document.getElementById('composer');
const message = document.getElementById('message');
const counter = document.getElementById('counter');
const send = document.getElementById('send');
const error = document.getElementById('composer-error');
const picker = document.getElementById('images');
const thumbs = document.getElementById('attachments');
const topic = document.getElementById('topic');
const messageLabel = document.querySelector('label[for="message"]');
let images = [];

/** The composer writes an internal note rather than a reply. */
function noteMode() {
  return composer?.querySelector('input[name="mode"]:checked')?.value === 'note';
}

const phone = window.matchMedia('(max-width: 760px)');
/** The agent has not scrolled away from the newest items. */
let pinned = true;

/** The newest items in view, next to the composer: on a phone the page itself
 * scrolls; wider, the timeline does. */
function scrollToEnd() {
  if (phone.matches) composer?.scrollIntoView({ block: 'end' });
  else if (timeline) timeline.scrollTop = timeline.scrollHeight;
}

// --- The composer ---------------------------------------------------------------

function countChars(text) {
  return [...text].length;
}

function update() {
  const n = countChars(message.value);
  const note = noteMode();
  composer.classList.toggle('note-mode', note);
  send.textContent = note ? 'Add note' : 'Send';
  if (messageLabel) messageLabel.textContent = note ? 'Note (only your team sees it)' : 'Message';
  for (const part of composer.querySelectorAll('.reply-only')) part.hidden = note;
  // A hidden required field would stop the form: the topic is for replies only.
  if (topic) topic.required = !note;
  counter.textContent = `${n} / ${note ? NOTE_LIMIT : LIMIT}`;
  counter.classList.toggle('warn', !note && n >= WARN_AT && n < LIMIT);
  counter.classList.toggle('limit', note ? n >= NOTE_LIMIT : n >= LIMIT);
  let why = '';
  const bytes = new TextEncoder().encode(message.value).length;
  if (note) {
    if (n > NOTE_LIMIT) why = `A note may have ${NOTE_LIMIT} characters: remove ${n - NOTE_LIMIT}.`;
  } else if (n > LIMIT) why = `Instagram allows ${LIMIT} characters per message: remove ${n - LIMIT}.`;
  else if (bytes > MAX_BYTES_TEXT) why = `Instagram allows ${MAX_BYTES_TEXT} bytes per message (emoji take several): shorten it.`;
  else if (topic && !topic.value) why = 'Choose a topic first: this inbox needs one.';
  send.disabled = why !== '';
  send.title = why;
  if (why) send.setAttribute('aria-description', why); else send.removeAttribute('aria-description');
  // Grow to about eight lines.
  message.style.height = 'auto';
  message.style.height = `${Math.min(message.scrollHeight, 12 * 16)}px`;
}

function say(text) {
  error.textContent = text;
}

function addImages(files) {
  const refused = [];
  for (const file of files) {
    if (!IMAGE_TYPES.includes(file.type)) {
      refused.push(`${file.name} is not a JPEG, PNG or GIF image`);
    } else if (images.length >= MAX_IMAGES) {
      refused.push(`${file.name}: at most ${MAX_IMAGES} images in one reply`);
    } else if (images.reduce((sum, f) => sum + f.size, 0) + file.size > MAX_BYTES) {
      refused.push(`${file.name}: images may take 5 MB in all`);
    } else {
      images.push(file);
    }
  }
  drawThumbs();
  say(refused.length ? `${refused.join('; ')}.` : '');
}

function drawThumbs() {
  for (const img of thumbs.querySelectorAll('img')) URL.revokeObjectURL(img.src);
  thumbs.replaceChildren(...images.map((file, index) => {
    const li = document.createElement('li');
    const img = document.createElement('img');
    img.src = URL.createObjectURL(file);
    img.alt = file.name;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = '×';
    remove.setAttribute('aria-label', `Remove ${file.name}`);
    remove.addEventListener('click', () => { images.splice(index, 1); drawThumbs(); });
    li.append(img, remove);
    return li;
  }));
}

/** An internal note: to the notes endpoint, never to Instagram. */
async function addNote() {
  if (!message.value.trim()) {
    say('Write the note first.');
    return;
  }
  send.disabled = true;
  try {
    const note = await api('POST', `/customers/${customerId}/notes`, { text: message.value });
    message.value = '';
    say('');
    await showItem(note.id);
    scrollToEnd();
  } catch (refused) {
    say(refused.message);
  } finally {
    update();
  }
}

async function submit(event) {
  event?.preventDefault();
  if (send.disabled) return;
  if (noteMode()) { await addNote(); return; }
  const text = message.value;
  if (!text.trim() && images.length === 0) {
    say('Write a message or add an image first.');
    return;
  }
  send.disabled = true;
  try {
    const conversation = profile.dataset.conversationId;
    if (topic && topic.value && conversation) {
      await api('PUT', `/conversations/${conversation}/topics`, { topics: [Number(topic.value)] });
    }
    let body;
    if (images.length) {
      body = new FormData();
      if (text.trim()) body.append('text', text);
      for (const file of images) body.append('image', file, file.name);
    } else {
      body = { text };
    }
    const queued = await api('POST', `/customers/${customerId}/messages`, body);
    message.value = '';
    images = [];
    drawThumbs();
    say('');
    for (const item of queued.data) await showItem(item.id);
  } catch (refused) {
    // Nothing typed is lost: the text stays, with the reason beside it.
    say(refused.message);
  } finally {
    update();
  }
}

// While the agent types, Instagram shows the customer "typing…" (the server sends
// it at most once every 10 seconds; asking more often costs nothing but a request).
let typingSentAt = 0;
function typingNow() {
  const now = Date.now();
  // A note is for the team: Instagram shows the customer nothing.
  if (now - typingSentAt < 10_000 || !message.value || noteMode()) return;
  typingSentAt = now;
  api('POST', `/customers/${customerId}/typing`).catch(() => { /* a courtesy only */ });
}

if (composer) {
  message.addEventListener('input', update);
  message.addEventListener('input', typingNow);
  topic?.addEventListener('change', update);
  for (const radio of composer.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener('change', () => { say(''); update(); message.focus(); });
  }
  composer.addEventListener('submit', submit);
  message.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submit(event);
  });
  picker.addEventListener('change', () => { addImages([...picker.files]); picker.value = ''; });
  composer.addEventListener('dragover', (event) => { event.preventDefault(); composer.classList.add('dragging'); });
  composer.addEventListener('dragleave', () => composer.classList.remove('dragging'));
  composer.addEventListener('drop', (event) => {
    event.preventDefault();
    composer.classList.remove('dragging');
    addImages([...event.dataTransfer.files]);
  });
  document.getElementById('add-link')?.addEventListener('click', () => {
    const label = window.prompt('Link text');
    if (label === null) return;
    const url = window.prompt('Address (https://…)');
    if (!url) return;
    if (!/^https?:\/\//.test(url)) { say('A link must start with http:// or https://.'); return; }
    message.value = `${message.value}${message.value ? '\n' : ''}${label.trim()} [${url.trim()}]`;
    update();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === '/' && !event.target.closest('input, textarea, select')) {
      event.preventDefault();
      message.focus();
    }
  });
  update();
}

// --- The timeline ---------------------------------------------------------------

/** Items whose fragment is being fetched, each with whether news of it came meanwhile. */
const drawing = new Map();

/** Draws (or redraws) one item from the server; new ones go at the end. News of the
 * item while its fragment is on the way (a reply's "Sent" often comes before the
 * fragment asked for as it was queued) draws it once more after, and two asks for one
 * item never fetch side by side, so it is neither left stale nor drawn twice. */
async function showItem(id) {
  const key = String(id);
  if (drawing.has(key)) {
    drawing.set(key, true);
    return true;
  }
  let shown = false;
  try {
    do {
      drawing.set(key, false);
      shown = await drawItem(key);
    } while (drawing.get(key));
  } finally {
    drawing.delete(key);
  }
  return shown;
}

async function drawItem(id) {
  const nodes = await fragment(`/fragments/items/${id}`);
  if (!nodes || nodes.length === 0) return false;
  const existing = document.getElementById(`item-${id}`);
  if (existing) {
    const open = existing.querySelector('.menu-list:not([hidden])');
    swap(existing, nodes);
    if (open) document.querySelector(`#item-${id} .kebab`)?.focus();
  } else {
    const nearEnd = phone.matches
      ? pinned
      : timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 120;
    timeline.querySelector('.empty')?.remove();
    timeline.append(...nodes);
    if (nearEnd) scrollToEnd();
  }
  return true;
}

onItemEvent((kind, data) => {
  if (kind === 'note_deleted') {
    const gone = document.getElementById(`item-${data.item_id}`);
    gone?.remove();
    return Boolean(gone);
  }
  const item = data.item;
  if (!item || !timeline) return false;
  // Only this profile's items (one shown, or new in its open conversation); another
  // customer's news goes to the list.
  const here = drawing.has(String(item.id)) || document.getElementById(`item-${item.id}`) ||
    (kind === 'item' && data.conversation_id && String(data.conversation_id) === profile.dataset.conversationId);
  if (!here) return false;
  showItem(item.id);
  return true;
});

// Drawing the page queued a check of each Story mention still shown (the customer may
// have deleted the Story): one found gone before the stream opened is not on it, so
// those items are drawn again then; one found later comes as an item event.
onStreamOpen(() => {
  for (const item of timeline?.querySelectorAll('li.kind-story_mention') ?? []) {
    if (!item.querySelector('.bubble.gone')) showItem(item.dataset.itemId);
  }
});

// A Story its customer deleted fails to load before igdesk has heard so from the CDN
// (an agent the conversation is not assigned to hears no item events): a moment later
// the item is drawn again, and reads "Story is no longer available" once the check
// found it gone. A few times at most, further apart each time: a CDN that only fails
// is not asked on and on.
const storyRedraws = new Map();
timeline?.addEventListener('error', (event) => {
  if (!(event.target instanceof HTMLImageElement)) return;
  const id = event.target.closest('li.kind-story_mention')?.dataset.itemId;
  const tries = storyRedraws.get(id) ?? 0;
  if (!id || tries >= 3) return;
  storyRedraws.set(id, tries + 1);
  setTimeout(() => showItem(id), 2000 * 2 ** tries);
}, true);

async function loadOlder(link) {
  const nodes = await fragment(link.href);
  const holder = link.closest('li');
  if (!nodes) return;
  const height = timeline.scrollHeight;
  holder.after(...nodes);
  // A full page may have more before it.
  if (nodes.length >= PAGE_ITEMS) {
    const first = nodes[0].dataset.itemId;
    link.href = `/fragments/customers/${customerId}/items?before=${first}`;
  } else {
    holder.remove();
  }
  // Keep the agent's place.
  timeline.scrollTop += timeline.scrollHeight - height;
}

timeline?.addEventListener('click', (event) => {
  const link = event.target.closest('#load-older');
  if (link) { event.preventDefault(); loadOlder(link); }
});
timeline?.addEventListener('scroll', () => {
  const link = document.getElementById('load-older');
  if (link && timeline.scrollTop < 40 && !link.dataset.loading) {
    link.dataset.loading = '1';
    loadOlder(link).finally(() => { delete link.dataset.loading; });
  }
});

// --- Item menus -----------------------------------------------------------------

function closeMenus(except) {
  for (const list of document.querySelectorAll('.menu-list:not([hidden])')) {
    if (list === except) continue;
    list.hidden = true;
    list.parentElement.querySelector('.kebab')?.setAttribute('aria-expanded', 'false');
  }
}

function menuError(itemId, text) {
  const item = document.getElementById(`item-${itemId}`);
  let box = item?.querySelector('.menu-error');
  if (!box && item) {
    box = document.createElement('p');
    box.className = 'error menu-error';
    box.setAttribute('role', 'alert');
    item.append(box);
  }
  if (box) box.textContent = text;
}

function replyForm(itemId, action) {
  const item = document.getElementById(`item-${itemId}`);
  item.querySelector('.menu-form')?.remove();
  const form = document.createElement('form');
  form.className = 'menu-form';
  const label = action === 'comment_reply' ? 'Reply with Instagram comment' : 'Reply with Instagram DM';
  const id = `reply-${itemId}`;
  form.innerHTML = `<label class="visually-hidden" for="${id}"></label><textarea id="${id}" rows="2" maxlength="1000"></textarea><button type="submit" class="primary">Send reply</button><button type="button" class="link">Cancel</button>`;
  form.querySelector('label').textContent = label;
  form.querySelector('.link').addEventListener('click', () => form.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = form.querySelector('textarea').value;
    const path = action === 'comment_reply' ? `/timeline/${itemId}/reply` : `/timeline/${itemId}/private-reply`;
    try {
      const answer = await api('POST', path, { text });
      form.remove();
      await showItem(itemId);
      for (const made of answer?.data ?? (answer?.id ? [answer] : [])) await showItem(made.id);
    } catch (refused) {
      menuError(itemId, refused.message);
    }
  });
  item.append(form);
  form.querySelector('textarea').focus();
}

/** Edits one of the agent's own notes in place. */
function noteForm(itemId) {
  const item = document.getElementById(`item-${itemId}`);
  item.querySelector('.menu-form')?.remove();
  const form = document.createElement('form');
  form.className = 'menu-form';
  const id = `edit-${itemId}`;
  form.innerHTML = `<label class="visually-hidden" for="${id}">Edit note</label><textarea id="${id}" rows="3" maxlength="${NOTE_LIMIT}"></textarea><button type="submit" class="primary">Save note</button><button type="button" class="link">Cancel</button>`;
  form.querySelector('textarea').value = item.querySelector('.body')?.textContent ?? '';
  form.querySelector('.link').addEventListener('click', () => { form.remove(); item.querySelector('.kebab')?.focus(); });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('PATCH', `/notes/${itemId}`, { text: form.querySelector('textarea').value });
      await showItem(itemId);
      document.querySelector(`#item-${itemId} .kebab`)?.focus();
    } catch (refused) {
      menuError(itemId, refused.message);
    }
  });
  item.append(form);
  form.querySelector('textarea').focus();
}

async function act(button) {
  const itemId = button.dataset.item;
  const action = button.dataset.action;
  closeMenus();
  if (button.getAttribute('aria-disabled') === 'true') return;
  try {
    if (action === 'like') await api('POST', `/timeline/${itemId}/like`);
    else if (action === 'unlike') await api('DELETE', `/timeline/${itemId}/like`);
    else if (action === 'hide') await api('POST', `/timeline/${itemId}/hide`);
    else if (action === 'delete') {
      if (!window.confirm('Delete this comment from Instagram? It stays visible here.')) return;
      await api('DELETE', `/timeline/${itemId}`);
    } else if (action === 'edit_note') {
      noteForm(itemId);
      return;
    } else if (action === 'delete_note') {
      if (!window.confirm('Delete this note? Nothing of it is kept.')) return;
      await api('DELETE', `/notes/${itemId}`);
      document.getElementById(`item-${itemId}`)?.remove();
      message?.focus();
      return;
    } else if (action === 'comment_reply' || action === 'private_reply') {
      replyForm(itemId, action);
      return;
    }
    await showItem(itemId);
    document.querySelector(`#item-${itemId} .kebab`)?.focus();
  } catch (refused) {
    menuError(itemId, refused.message);
  }
}

document.addEventListener('click', (event) => {
  const kebab = event.target.closest('.kebab');
  if (kebab) {
    const list = document.getElementById(kebab.getAttribute('aria-controls'));
    const opening = list.hidden;
    closeMenus(list);
    list.hidden = !opening;
    kebab.setAttribute('aria-expanded', String(opening));
    if (opening) list.querySelector('[role="menuitem"]')?.focus();
    return;
  }
  const entry = event.target.closest('[role="menuitem"][data-action]');
  if (entry) { act(entry); return; }
  if (!event.target.closest('.menu-list')) closeMenus();
});

document.addEventListener('keydown', (event) => {
  const list = event.target.closest?.('.menu-list');
  if (event.key === 'Escape') {
    const open = document.querySelector('.menu-list:not([hidden])');
    if (open) { closeMenus(); open.parentElement.querySelector('.kebab')?.focus(); }
    return;
  }
  if (!list || !['ArrowDown', 'ArrowUp'].includes(event.key)) return;
  event.preventDefault();
  const entries = [...list.querySelectorAll('[role="menuitem"]')];
  const at = entries.indexOf(event.target);
  const next = entries[(at + (event.key === 'ArrowDown' ? 1 : entries.length - 1)) % entries.length];
  next?.focus();
});

// --- Ending work ----------------------------------------------------------------

document.addEventListener('click', async (event) => {
  const close = event.target.closest('[data-close]');
  const noReply = event.target.closest('[data-no-reply]');
  if (!close && !noReply) return;
  try {
    if (close) {
      const next = close.dataset.next === 'true';
      await api('POST', `/conversations/${close.dataset.close}/close`, { next });
      window.location.assign('/desk');
    } else {
      await api('POST', `/timeline/${noReply.dataset.noReply}/no-reply-needed`);
      window.location.reload();
    }
  } catch (refused) {
    say(refused.message);
  }
});

// --- Contact details --------------------------------------------------------------

document.getElementById('contact')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const box = document.getElementById('contact-error');
  const body = {
    phone: form.phone.value,
    email: form.email.value,
    notes: form.notes.value,
  };
  try {
    await api('PATCH', `/customers/${form.dataset.customerId}`, body);
    box.textContent = '';
    form.querySelector('button').textContent = 'Saved';
    setTimeout(() => { form.querySelector('button').textContent = 'Save contact details'; }, 1500);
  } catch (refused) {
    box.textContent = refused.message;
  }
});

// The newest items sit at the foot, next to the composer; media that load later
// must not push them out of view.
timeline?.addEventListener('scroll', () => {
  if (!phone.matches) pinned = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 40;
});
// On a phone, the agent scrolling the page unpins it.
for (const kind of ['wheel', 'touchmove']) {
  window.addEventListener(kind, () => { if (phone.matches) pinned = false; }, { passive: true });
}
timeline?.addEventListener('load', () => { if (pinned) scrollToEnd(); }, true);
// --- Topics and merge ---------------------------------------------------------------

document.getElementById('topics-form')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const chosen = [...form.querySelector('select').selectedOptions].map((o) => Number(o.value));
  try {
    await api('PUT', `/conversations/${form.dataset.conversationId}/topics`, { topics: chosen });
    window.location.reload();
  } catch (refused) {
    document.getElementById('topics-error').textContent = refused.message;
  }
});

document.getElementById('merge-form')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const other = Number(form.other.value);
  if (!Number.isInteger(other) || other <= 0) {
    document.getElementById('merge-error').textContent = 'Give the other profile\'s number.';
    return;
  }
  try {
    await api('POST', `/customers/${form.dataset.customerId}/merge`, { other, confirm: form.confirm.checked });
    window.location.reload();
  } catch (refused) {
    document.getElementById('merge-error').textContent = refused.message;
  }
});

/** A search result opens the timeline at its item (`#item-N`): shown in the middle
 * of the view and left there, not at the newest items. */
const searched = window.location.hash.startsWith('#item-')
  ? document.getElementById(window.location.hash.slice(1))
  : null;
function showArrival() {
  if (!searched) return scrollToEnd();
  pinned = false;
  searched.scrollIntoView({ block: 'center' });
}
showArrival();
// Accept lands here with the composer ready (after the browser's own jump to it).
window.addEventListener('load', () => {
  showArrival();
  if (window.location.hash === '#composer' && message) message.focus({ preventScroll: true });
});

/** The company's accounts the customer follows / is followed by: a <details> that
 * opens with a click or Enter, and on hover too (seed 000 [D], [E]). One opened by
 * hover closes when the pointer leaves; a click keeps it open. */
for (const list of document.querySelectorAll('details.account-list')) {
  let byHover = false;
  list.addEventListener('mouseenter', () => {
    if (!list.open) { list.open = true; byHover = true; }
  });
  list.addEventListener('mouseleave', () => {
    if (byHover) { list.open = false; byHover = false; }
  });
  list.querySelector('summary').addEventListener('click', (event) => {
    if (byHover) { event.preventDefault(); byHover = false; }
  });
}
