/** Entry point of the HQ dashboard (hq.html), served by the HQ server at /hq. */
import { mount } from 'svelte';
import '$lib/styles/global.css';
import { applyTheme, initialTheme } from '$lib/theme';
import { HttpHqApi } from './api';
import Hq from './Hq.svelte';

applyTheme(initialTheme());

const target = document.getElementById('hq');
if (!target) throw new Error('hq.html has no #hq element');

export default mount(Hq, { target, props: { api: new HttpHqApi() } });
