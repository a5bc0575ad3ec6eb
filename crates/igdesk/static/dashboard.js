// The dashboard: the offer banner and the rest of the frame stay live (live.js);
// the figures are swapped in from /fragments/dashboard every few seconds, keeping
// whichever "Show as table" the reader has open, and a pause while the tab is hidden.
import './live.js';

const root = document.querySelector('.dashboard[data-refresh-seconds]');
const every = Number(root?.dataset.refreshSeconds || 15) * 1000;

function openTables(figures) {
  return new Set([...figures.querySelectorAll('details[open]')].map((d) => d.id));
}

async function refresh() {
  const figures = document.getElementById('dashboard-figures');
  if (!figures || document.hidden) return;
  try {
    const response = await fetch(`/fragments/dashboard?${figures.dataset.query}`, {
      headers: { Accept: 'text/html' },
      credentials: 'same-origin',
    });
    if (response.redirected || !response.ok) return;
    const open = openTables(figures);
    const next = new DOMParser()
      .parseFromString(await response.text(), 'text/html')
      .getElementById('dashboard-figures');
    if (!next) return;
    for (const details of next.querySelectorAll('details')) {
      if (open.has(details.id)) details.open = true;
    }
    // Keep the keyboard focus where it was, if it was inside the figures.
    const focused = document.activeElement?.id;
    figures.replaceWith(next);
    if (focused && next.contains(document.getElementById(focused))) {
      document.getElementById(focused).focus();
    }
  } catch {
    // Offline for a moment: the next round tries again.
  }
}

if (root) {
  setInterval(refresh, every);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refresh();
  });
}
