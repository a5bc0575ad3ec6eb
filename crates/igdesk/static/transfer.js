// Transfer: the customer page's Transfer dialog. It opens on `Transfer`,
// refreshes who is available now, and hands the conversation over through the JSON
// API; a refusal is shown next to the field it is about. Escape or Cancel closes it
// and the browser puts the focus back on `Transfer`.

import { api } from './api.js';

const dialog = document.getElementById('transfer-dialog');
const opener = document.getElementById('transfer-open');
const NOTE_LIMIT = 500;

if (dialog && opener) {
  const form = dialog.querySelector('form');
  const to = form.elements.to;
  const note = form.elements.note;
  const count = document.getElementById('transfer-note-count');
  const agents = document.getElementById('transfer-agents');
  const submit = document.getElementById('transfer-submit');
  const conversation = form.dataset.conversationId;
  // Where each field's refusal is said (the API names the field at fault).
  const places = { agent_id: to, inbox_id: to, note };

  const errorOf = (field) => document.getElementById(`${field.id}-error`);

  function clear() {
    for (const field of [to, note]) {
      field.removeAttribute('aria-invalid');
      errorOf(field).textContent = '';
    }
  }

  function refuse(field, message) {
    field.setAttribute('aria-invalid', 'true');
    errorOf(field).textContent = message;
    field.focus();
  }

  function countNote() {
    const n = [...note.value.trim()].length;
    count.textContent = `${n} / ${NOTE_LIMIT}`;
    count.classList.toggle('over', n > NOTE_LIMIT);
  }

  /** The agents who are available now, as the server sees them. */
  async function refresh() {
    let targets;
    try {
      targets = await api('GET', `/conversations/${conversation}/transfer-targets`);
    } catch {
      return; // The list drawn with the page stays; the server decides on submit.
    }
    const chosen = to.value;
    const options = targets.agents
      .filter((a) => a.available)
      .map((a) => {
        const option = document.createElement('option');
        option.value = `agent:${a.agent_id}`;
        option.textContent = a.unable ? `${a.name} — ${a.unable}` : a.name;
        option.disabled = Boolean(a.unable);
        return option;
      });
    if (options.length === 0) {
      const none = document.createElement('option');
      none.value = '';
      none.disabled = true;
      none.textContent = 'Nobody else is available';
      options.push(none);
    }
    agents.replaceChildren(...options);
    to.value = chosen;
    if (to.value !== chosen) to.value = '';
  }

  opener.addEventListener('click', () => {
    clear();
    dialog.showModal();
    to.focus();
    refresh();
  });
  document.getElementById('transfer-cancel').addEventListener('click', () => dialog.close());
  note.addEventListener('input', countNote);
  to.addEventListener('change', () => {
    to.removeAttribute('aria-invalid');
    errorOf(to).textContent = '';
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear();
    const [kind, id] = to.value.split(':');
    if (!id) {
      refuse(to, 'Choose an agent or an inbox to transfer to.');
      return;
    }
    const body = { [`${kind}_id`]: Number(id) };
    if (note.value.trim()) body.note = note.value;
    submit.disabled = true;
    try {
      await api('POST', `/conversations/${conversation}/transfer`, body);
      // The conversation is no longer this agent's: the page as it is now, with the
      // transfer in the timeline.
      dialog.close();
      window.location.reload();
    } catch (refused) {
      refuse(places[refused.field] ?? to, refused.message);
    } finally {
      submit.disabled = false;
    }
  });
}
