// The customer's labels on their page: removable chips and an "Add label"
// field with the labels already in use as suggestions. The forms post without
// scripts too; with them, they use the JSON API, redraw the chips from its answer
// and show a refusal beside the field. Another agent's change arrives on the live
// stream (`labels`) for the agent of the customer's open conversation.

import { api } from './api.js';
import { onItemEvent } from './live.js';

const box = document.getElementById('labels');
const customerId = box?.dataset.customerId;
const chips = document.getElementById('label-chips');
const empty = document.getElementById('labels-empty');
const input = document.getElementById('label-new');
const error = document.getElementById('label-error');
const names = document.getElementById('label-names');

function say(message) {
  if (!error) return;
  error.textContent = message ?? '';
  if (message) input?.setAttribute('aria-invalid', 'true');
  else input?.removeAttribute('aria-invalid');
}

/** Draws the chips from a list of names (text only: names are what agents typed). */
function draw(labels) {
  if (!chips) return;
  chips.replaceChildren(...labels.map((name) => {
    const li = document.createElement('li');
    li.className = 'chip';
    const text = document.createElement('span');
    text.textContent = name;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'chip-remove';
    remove.dataset.label = name;
    remove.setAttribute('aria-label', `Remove label ${name}`);
    remove.textContent = '×';
    li.append(text, remove);
    return li;
  }));
  if (empty) empty.hidden = labels.length > 0;
  // New labels become suggestions at once.
  if (names) {
    const known = new Set([...names.options].map((o) => o.value.toLowerCase()));
    for (const name of labels) {
      if (known.has(name.toLowerCase())) continue;
      const option = document.createElement('option');
      option.value = name;
      names.append(option);
    }
  }
}

const path = (name) => `/customers/${customerId}/labels/${encodeURIComponent(name)}`;

box?.addEventListener('submit', async (event) => {
  const form = event.target;
  if (form.id !== 'label-add' && !form.querySelector('.chip-remove')) return;
  event.preventDefault();
  if (form.id === 'label-add') {
    await add();
  } else {
    await remove(form.querySelector('.chip-remove'));
  }
});

box?.addEventListener('click', async (event) => {
  const button = event.target.closest('button.chip-remove[type="button"]');
  if (button) await remove(button);
});

async function add() {
  const name = input.value.trim();
  if (!name) {
    say('Type a label first.');
    input.focus();
    return;
  }
  try {
    const answer = await api('POST', path(name));
    draw(answer.labels);
    input.value = '';
    say('');
    input.focus();
  } catch (refused) {
    say(refused.message);
    input.focus();
  }
}

async function remove(button) {
  const name = button.dataset.label;
  // The focus goes to the next chip's button, or to the field when none is left.
  const chip = button.closest('.chip');
  const after = [...chips.querySelectorAll('.chip')].indexOf(chip);
  try {
    const answer = await api('DELETE', path(name));
    draw(answer.labels);
    say('');
    const buttons = chips.querySelectorAll('.chip-remove');
    (buttons[Math.min(after, buttons.length - 1)] ?? input)?.focus();
  } catch (refused) {
    say(refused.message);
  }
}

onItemEvent((kind, data) => {
  if (kind !== 'labels' || String(data.payload?.customer_id) !== customerId) return false;
  api('GET', `/customers/${customerId}`).then((customer) => draw(customer.labels)).catch(() => {});
  return true;
});
