/** Entry point of the tablet app (index.html). */
import { mount } from 'svelte';
import type { Backend } from '$lib/backend';
import { demoBackend } from '$lib/backend/demo';
import { TauriBackend, runningInTauri } from '$lib/backend/tauri';
import '$lib/styles/global.css';
import { applyTheme, initialTheme } from '$lib/theme';
import App from './App.svelte';

// Pick the theme before the first paint.
applyTheme(initialTheme());

// `npm run dev` in a plain browser has no Tauri: use the demo device (a test double with a few
// records) so the UI can still be worked on; it is `window.beatbookFake`, for scripting answers.
// A production build always talks to Tauri, and shows an error if it is not there.
// `?fake=new` starts with nothing on the device (enrol), `?fake=locked` at the PIN pad (any PIN).
function pickBackend(): Backend {
  if (!import.meta.env.DEV || runningInTauri()) return new TauriBackend();
  const start = new URLSearchParams(location.search).get('fake');
  const fake = demoBackend(start === 'new' || start === 'locked' ? start : 'unlocked');
  Object.assign(window, { beatbookFake: fake });
  return fake;
}
const backend = pickBackend();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target, props: { backend } });
