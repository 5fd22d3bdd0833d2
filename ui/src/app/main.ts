/** Entry point of the tablet app (index.html). */
import { mount } from 'svelte';
import type { Backend } from '$lib/backend';
import { FakeBackend } from '$lib/backend/fake';
import { TauriBackend, runningInTauri } from '$lib/backend/tauri';
import '$lib/styles/global.css';
import { applyTheme, initialTheme } from '$lib/theme';
import App from './App.svelte';

// Pick the theme before the first paint.
applyTheme(initialTheme());

// `npm run dev` in a plain browser has no Tauri: use the fake so the UI can still be worked on.
// A production build always talks to Tauri, and shows an error if it is not there.
// `?fake=new` starts with nothing on the device (enrol), `?fake=locked` at the PIN pad (246810).
const start = new URLSearchParams(location.search).get('fake');
const backend: Backend =
  import.meta.env.DEV && !runningInTauri()
    ? new FakeBackend({ start: start === 'new' || start === 'locked' ? start : 'unlocked', demo: start !== 'new' })
    : new TauriBackend();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target, props: { backend } });
