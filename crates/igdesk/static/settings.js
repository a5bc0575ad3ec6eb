// Settings: a secret shown once (a signing secret, a product token, a personal
// token, a first password) gets a Copy button, and is selected when it takes the
// focus, so it can be copied with the keyboard too. Without scripts the field is
// still there to select and copy by hand.

function copied(button, text) {
  button.textContent = text;
  setTimeout(() => {
    button.textContent = 'Copy';
  }, 2500);
}

for (const button of document.querySelectorAll('button[data-copy]')) {
  const field = document.getElementById(button.dataset.copy);
  if (!field) continue;
  button.hidden = false;
  field.addEventListener('focus', () => field.select());
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      copied(button, 'Copied');
    } catch {
      // No clipboard here (a page served over plain http): select it for Ctrl/⌘ + C.
      field.focus();
      field.select();
      copied(button, 'Selected: press Ctrl/⌘ + C');
    }
  });
}

// After a saved form the secret shown once, after a refused one the first field at
// fault, is where the keyboard goes (the field's description says what is wrong).
const first = document.getElementById('shown-value') ?? document.querySelector('.settings-section [aria-invalid="true"]');
if (first) {
  first.focus();
  first.scrollIntoView({ block: 'center' });
}
