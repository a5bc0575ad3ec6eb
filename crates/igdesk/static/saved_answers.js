// Saved answers in the composer: `/` at the start of the message or after a space,
// then a few letters of a title, opens a list of the answers that match; the
// `Saved answers` button opens the same list. ↑/↓ choose, Enter (or a click)
// inserts, Escape closes. The inserted text is the server's, with its placeholders
// filled in for this customer and agent; from then on it is an ordinary reply
// (profile.js counts it, and every rule of Send applies).
//
// The message stays a plain textarea (a textbox pointing at the list with
// aria-controls and aria-activedescendant): a combobox role is not allowed on it.

import { api } from './api.js';

const profile = document.querySelector('.profile');
const customerId = profile?.dataset.customerId;
const message = document.getElementById('message');
const write = message?.closest('.write');
// `/query` before the caret: at the start or after whitespace, letters and digits,
// single spaces between words.
const TRIGGER = /(^|\s)\/((?:[\p{L}\p{N}_'-]+ ?)*)$/u;
const SHOWN = 8;

let answers = null;
let loading = null;
let list = null;
let status = null;
let matches = [];
let active = -1;
// Where the `/query` starts in the message, while the list is open.
let slashAt = -1;
let openedByButton = false;

function load() {
  loading ??= api('GET', `/answers?customer_id=${customerId}`)
    .then((body) => { answers = body.data; })
    .catch(() => { answers = []; loading = null; });
  return loading;
}

function words(text) {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Answers whose title has every word of the query (as the start of a word first). */
function matching(query) {
  const wanted = words(query);
  const scored = [];
  for (const answer of answers ?? []) {
    const title = answer.title.toLowerCase();
    if (!wanted.every((w) => title.includes(w))) continue;
    const starts = wanted.length && title.startsWith(wanted[0]) ? 0 : 1;
    scored.push([starts, answer]);
  }
  scored.sort((a, b) => a[0] - b[0]);
  return scored.map(([, answer]) => answer);
}

function ensureList() {
  if (list) return;
  list = document.createElement('ul');
  list.id = 'saved-answers-list';
  list.className = 'answer-list';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Saved answers');
  list.hidden = true;
  status = document.createElement('p');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  write.append(list);
  write.after(status);
  message.setAttribute('aria-controls', list.id);
  message.setAttribute('aria-autocomplete', 'list');
  // The message keeps the focus (and the caret) while an option is clicked.
  list.addEventListener('mousedown', (event) => event.preventDefault());
  list.addEventListener('click', (event) => {
    const option = event.target.closest('[role="option"]');
    if (option) insert(matches[Number(option.dataset.index)]);
  });
}

function draw() {
  ensureList();
  list.replaceChildren(...matches.slice(0, SHOWN).map((answer, index) => {
    const li = document.createElement('li');
    li.id = `saved-answer-${answer.id}`;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', String(index === active));
    li.dataset.index = String(index);
    const title = document.createElement('span');
    title.className = 'answer-title';
    title.textContent = answer.title;
    const preview = document.createElement('span');
    preview.className = 'answer-preview';
    preview.textContent = answer.filled ?? answer.text;
    li.append(title, preview);
    if (answer.image_url) {
      const image = document.createElement('span');
      image.className = 'answer-image';
      image.textContent = ' · with an image';
      title.append(image);
    }
    return li;
  }));
  if (matches.length === 0) {
    const li = document.createElement('li');
    li.className = 'answer-none';
    li.textContent = answers?.length ? 'No saved answer has these words in its title.' : 'No saved answers yet: an administrator adds them in Settings.';
    list.append(li);
  }
  list.hidden = false;
  if (active >= 0) {
    message.setAttribute('aria-activedescendant', `saved-answer-${matches[active].id}`);
    document.getElementById(`saved-answer-${matches[active].id}`)?.scrollIntoView({ block: 'nearest' });
  } else {
    message.removeAttribute('aria-activedescendant');
  }
}

function close() {
  if (!list || list.hidden) return;
  list.hidden = true;
  message.removeAttribute('aria-activedescendant');
  status.textContent = '';
  slashAt = -1;
  active = -1;
  openedByButton = false;
}

function isOpen() {
  return list && !list.hidden;
}

/** Opens, filters or closes the list from the text before the caret. */
async function follow() {
  const before = message.value.slice(0, message.selectionStart);
  const found = message.selectionStart === message.selectionEnd && TRIGGER.exec(before);
  if (!found) { close(); return; }
  await load();
  const query = found[2];
  matches = matching(query).slice(0, SHOWN);
  // After words nothing matches, the slash was only a slash.
  if (matches.length === 0 && query && !openedByButton) { close(); return; }
  const opening = !isOpen();
  slashAt = before.length - query.length - 1;
  active = matches.length ? Math.max(0, Math.min(active, matches.length - 1)) : -1;
  draw();
  if (opening || matches.length !== Number(status.dataset.count)) {
    status.dataset.count = String(matches.length);
    status.textContent = matches.length === 1
      ? '1 saved answer. Enter inserts it, Escape closes.'
      : `${matches.length} saved answers. Up and down to choose, Enter inserts, Escape closes.`;
  }
}

function insert(answer) {
  if (!answer || slashAt < 0) return;
  const end = message.selectionStart;
  const text = answer.filled ?? answer.text;
  message.setRangeText(text, slashAt, end, 'end');
  close();
  message.focus();
  // profile.js counts it and checks Send, as for anything typed.
  message.dispatchEvent(new Event('input', { bubbles: true }));
  api('POST', `/answers/${answer.id}/uses`).catch(() => { /* a count only */ });
  if (answer.image_url) attachImage(answer);
}

/** The answer's image joins the reply's images, as if the agent had picked it. */
async function attachImage(answer) {
  const picker = document.getElementById('images');
  try {
    const response = await fetch(answer.image_url, { credentials: 'same-origin' });
    if (!response.ok || !picker) return;
    const blob = await response.blob();
    const extension = blob.type.split('/')[1] ?? 'jpg';
    const chosen = new DataTransfer();
    chosen.items.add(new File([blob], `${answer.title}.${extension}`, { type: blob.type }));
    picker.files = chosen.files;
    picker.dispatchEvent(new Event('change'));
  } catch { /* the text is in; the image can be attached by hand */ }
}

function onKey(event) {
  if (!isOpen() || event.ctrlKey || event.metaKey || event.altKey) {
    if (isOpen() && event.key === 'Enter') close();
    return;
  }
  const n = Math.min(matches.length, SHOWN);
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    if (n === 0) return;
    const step = event.key === 'ArrowDown' ? 1 : n - 1;
    active = active < 0 ? (step === 1 ? 0 : n - 1) : (active + step) % n;
    draw();
  } else if (event.key === 'Enter') {
    if (active < 0) { close(); return; }
    event.preventDefault();
    insert(matches[active]);
  } else if (event.key === 'Escape') {
    event.preventDefault();
    event.stopPropagation();
    const button = openedByButton;
    const at = slashAt;
    close();
    // The button's own slash goes again when nothing was chosen.
    if (button && message.value.slice(at, message.selectionStart) === '/') {
      message.setRangeText('', at, at + 1, 'end');
      message.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }
}

/** The `Saved answers` button: a slash where the caret is, and the list. */
function addButton() {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link';
  button.id = 'saved-answers';
  button.textContent = 'Saved answers';
  // The list it controls exists (hidden) from the start: a reference to nothing is
  // an error to assistive technology.
  ensureList();
  button.setAttribute('aria-controls', 'saved-answers-list');
  button.setAttribute('aria-describedby', 'saved-answers-hint');
  const hint = document.createElement('span');
  hint.id = 'saved-answers-hint';
  hint.className = 'visually-hidden';
  hint.textContent = 'Or type / and a few letters of a title in the message.';
  button.addEventListener('click', () => {
    const at = message.selectionStart ?? message.value.length;
    const before = message.value.slice(0, at);
    const slash = before === '' || /\s$/.test(before) ? '/' : ' /';
    message.focus();
    message.setRangeText(slash, at, message.selectionEnd ?? at, 'end');
    openedByButton = true;
    message.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const link = document.getElementById('add-link');
  (link ?? document.querySelector('.composer-actions .spacer'))?.after(button, hint);
}

if (message && write && customerId) {
  addButton();
  message.addEventListener('input', () => { follow(); });
  message.addEventListener('keydown', onKey);
  message.addEventListener('click', () => { if (isOpen()) follow(); });
  message.addEventListener('blur', () => close());
}
