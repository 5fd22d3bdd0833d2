// The screen audit: what a person must never meet on a page of the tablet app or the dashboard.
// One function, run in the page by three suites: the real app (tests/app_walk.rs, WebDriver), the
// web build on the fake backend (e2e/*.test.mjs) and the dashboard (e2e/hq/*.test.mjs).
//
// It is an expression: `(audit)(options)` in the page returns a list of problems in words (empty
// when the screen is fit). Options: `header` (CSS selector of the shell's header, or null where
// there is none), `allow` (regex sources of text that may look technical on this screen, e.g.
// Settings → About), `minTarget` (the smallest control in px: 44 on the tablet; 0 skips the check).
//
// Checks:
// - the shell stays: after every scrollable part is scrolled to its end, the header is still at
//   the top of the window, the window itself has not scrolled, and the bottom of the window is not
//   blank;
// - no text that looks like JSON, an id (UUID), an ISO or US date, a timestamp, a code in
//   snake_case, an error code, a web address or a file path;
// - every control a finger uses is at least 44 × 44 px (links inside a sentence excepted).
((options) => {
  const opts = { header: 'header', allow: [], minTarget: 44, ...(options || {}) };
  const problems = [];
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0';
  };
  const name = (el) => {
    const label =
      el.getAttribute('aria-label') ||
      (el.labels && el.labels[0] && el.labels[0].innerText) ||
      el.innerText ||
      el.getAttribute('placeholder') ||
      el.getAttribute('name') ||
      '';
    return `${el.tagName.toLowerCase()}${el.type ? `[${el.type}]` : ''} "${label.trim().slice(0, 40)}"`;
  };

  // 1. The shell stays where it is.
  for (const el of document.querySelectorAll('*')) {
    if (el.scrollHeight > el.clientHeight + 1) el.scrollTop = el.scrollHeight;
  }
  window.scrollTo(0, document.documentElement.scrollHeight);
  if (opts.header) {
    const header = document.querySelector(opts.header);
    if (!header) problems.push(`no header (${opts.header}) on the page`);
    else {
      const r = header.getBoundingClientRect();
      if (r.top < -0.5 || r.bottom <= 0) problems.push(`the header scrolled away (its top is at ${Math.round(r.top)} px)`);
    }
    const root = document.scrollingElement || document.documentElement;
    if (root.scrollTop > 0) problems.push(`the whole window scrolled by ${root.scrollTop} px`);
  }
  const bottom = document.elementFromPoint(window.innerWidth / 2, window.innerHeight - 3);
  if (opts.header && (!bottom || bottom === document.documentElement || bottom === document.body)) {
    problems.push('the bottom of the window is blank after scrolling');
  }
  for (const el of document.querySelectorAll('*')) {
    if (el.scrollTop) el.scrollTop = 0;
  }
  window.scrollTo(0, 0);

  // 2. Words, not developer data.
  const allowed = opts.allow.map((a) => new RegExp(a, 'g'));
  let text = document.body.innerText;
  for (const a of allowed) text = text.replace(a, ' ');
  const looks = [
    ['JSON', /[[{]\s*"[^"\n]*"\s*[:,\]}]/],
    ['an id', /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i],
    ['an ISO timestamp', /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/],
    ['an ISO date', /\b\d{4}-\d{2}-\d{2}\b/],
    ['a US-style date', /\b\d{1,2}\/\d{1,2}\/\d{4}\b/],
    ['a code in snake_case', /\b[a-z]+_[a-z0-9_]+\b/],
    ['an error code', /\berror code\b|\bcode: ?[a-z_]+\b/i],
    ['a placeholder', /\b(undefined|null|NaN|\[object Object\])\b/],
    ['a hash', /\b[0-9a-f]{32,}\b/],
    ['a web address', /\bhttps?:\/\/\S+/],
    ['a file path', /(^|\s)\/(tmp|home|root|var|usr|opt|work|data)\/\S*/],
  ];
  for (const [what, re] of looks) {
    const m = text.match(re);
    if (m) {
      const at = text.indexOf(m[0]);
      const around = text.slice(Math.max(0, at - 30), at + m[0].length + 30).replace(/\s+/g, ' ');
      problems.push(`text that looks like ${what}: "${m[0]}" in "…${around}…"`);
    }
  }

  // 3. Controls a finger can hit.
  const controls = document.querySelectorAll(
    'button, a[href], input:not([type=hidden]), select, textarea, summary, [role=button], [role=tab], [role=link], [role=option]',
  );
  for (const el of opts.minTarget ? controls : []) {
    if (!shown(el)) continue;
    let box = el.getBoundingClientRect();
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      const label = el.closest('label') || (el.labels && el.labels[0]);
      if (label) box = label.getBoundingClientRect();
    }
    if (el.matches('a') && getComputedStyle(el).display === 'inline') {
      const parent = el.parentElement;
      const sentence = parent && parent.innerText.trim().length > el.innerText.trim().length + 3;
      if (sentence) continue;
    }
    if (el.closest('[aria-hidden=true], .leaflet-control-attribution')) continue;
    if (box.height < opts.minTarget - 0.5 || box.width < opts.minTarget - 0.5) {
      problems.push(`${name(el)} is ${Math.round(box.width)} × ${Math.round(box.height)} px (under ${opts.minTarget})`);
    }
  }
  return problems;
})
