import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AreaRef } from '$lib/bindings/AreaRef';
import type { ErrorBody } from '$lib/backend';
import { demoBackend } from '$lib/backend/demo';
import { FakeBackend } from '$lib/backend/fake';
import App from './App.svelte';
import { PAGES } from './routes';

const PASSWORD = 'demo-password-2026';
const PIN = '246810';
const CAMDEN_TOWN: AreaRef[] = [
  { id: 'E05013655', name: 'Camden Town', kind: 'ward' },
  { id: 'tc-camden-town', name: 'Camden Town', kind: 'town_centre' },
];
/** The device's answer to a wrong PIN (Rust: `DeviceError::message`). */
const wrongPin = (left: number): ErrorBody =>
  left === 1
    ? { code: 'last_attempt', message: 'Wrong PIN. One try left: another wrong PIN wipes every record on this device.', attempts_left: 1 }
    : { code: 'wrong_pin', message: `Wrong PIN. ${left} tries left before this device's records are wiped.`, attempts_left: left };

beforeEach(() => {
  history.replaceState(null, '', '#/home');
  localStorage.clear();
  delete document.documentElement.dataset['theme'];
});

function renderApp(backend = new FakeBackend()) {
  return { backend, ...render(App, { props: { backend } }) };
}

const badge = () => screen.getByTestId('sync-badge');

describe('enrol and unlock', () => {
  it('enrols a new device with HQ and opens on the shift home', async () => {
    const { backend } = renderApp(new FakeBackend({ start: 'new' }));
    const user = userEvent.setup();

    await screen.findByRole('heading', { level: 1, name: 'Enrol this tablet' });
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('Enrolment code'), 'ABCD-1234');
    await user.type(screen.getByLabelText('Collar number'), 'PC4127');
    await user.type(screen.getByLabelText('Password'), PASSWORD);
    await user.type(screen.getByLabelText('New PIN'), PIN);
    await user.type(screen.getByLabelText('Repeat new PIN'), PIN);
    await user.click(screen.getByRole('button', { name: 'Enrol this device' }));

    await screen.findByRole('heading', { level: 1, name: 'Home' });
    expect(backend.argsOf('enrol')).toEqual([
      [{ hq_url: 'http://127.0.0.1:8080', code: 'ABCD-1234', collar_number: 'PC4127', password: PASSWORD, pin: PIN, device_name: null }],
    ]);
    expect(await screen.findByTestId('officer-name')).toHaveTextContent('PC Amira Khan');
    await waitFor(() => expect(badge()).toHaveTextContent('All uploaded'));
  });

  it('says when HQ refuses the enrolment, and keeps the form', async () => {
    const backend = new FakeBackend({ start: 'new' });
    backend.rejectOnce('enrol', { code: 'refused', message: 'HQ refused the request: the code or the password is wrong.' });
    renderApp(backend);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Enrolment code'), 'bad-code');
    await user.type(screen.getByLabelText('Collar number'), 'PC4127');
    await user.type(screen.getByLabelText('Password'), PASSWORD);
    await user.type(screen.getByLabelText('New PIN'), PIN);
    await user.type(screen.getByLabelText('Repeat new PIN'), PIN);
    await user.click(screen.getByRole('button', { name: 'Enrol this device' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('refused');
    expect(screen.getByRole('button', { name: 'Enrol this device' })).toBeInTheDocument();
  });

  it('counts wrong PINs, warns before the last try, and unlocks with the right one', async () => {
    const backend = new FakeBackend({ start: 'locked' });
    backend.rejectOnce('unlock', wrongPin(4), wrongPin(3), wrongPin(2), wrongPin(1));
    renderApp(backend);
    const user = userEvent.setup();
    await screen.findByRole('heading', { level: 1, name: 'Unlock Beatbook' });
    for (const left of [4, 3, 2]) {
      await user.type(screen.getByLabelText('PIN'), '111111');
      await user.click(screen.getByRole('button', { name: 'Unlock' }));
      await screen.findByText(new RegExp(`${left} tries left`));
    }
    await user.type(screen.getByLabelText('PIN'), '111111');
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByText('Last try.')).toBeInTheDocument();

    for (const d of PIN) await user.click(screen.getByRole('button', { name: `Digit ${d}` }));
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    await screen.findByRole('heading', { level: 1, name: 'Home' });
    expect(backend.argsOf('unlock').map(([pin]) => pin)).toEqual(['111111', '111111', '111111', '111111', PIN]);
  });
});

describe('the shift, offline first', () => {
  it('logs a concern offline, lists it as waiting, then syncs it: all uploaded', async () => {
    const { backend } = renderApp();
    backend.hqReachable = false;
    backend.answer('areasAt', CAMDEN_TOWN);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('link', { name: 'Log a concern' }));
    await screen.findByRole('heading', { level: 1, name: 'Log a concern' });
    await user.selectOptions(screen.getByLabelText('Category'), 'vawg:environmental:badly_lit');
    await user.type(screen.getByLabelText('Description'), 'Street lights out along the canal path');
    await user.clear(screen.getByLabelText('Latitude'));
    await user.type(screen.getByLabelText('Latitude'), '51.5392');
    await user.clear(screen.getByLabelText('Longitude'));
    await user.type(screen.getByLabelText('Longitude'), '-0.1426');
    await waitFor(() => expect(screen.getByTestId('concern-areas')).toHaveTextContent('Camden Town'));
    await user.click(screen.getByRole('button', { name: 'Save concern' }));
    expect(await screen.findByTestId('concern-saved')).toHaveTextContent('Concern saved');
    await waitFor(() => expect(badge()).toHaveTextContent('1 waiting'));
    expect(backend.argsOf('areasAt').at(-1)).toEqual([51.5392, -0.1426]);
    expect(backend.argsOf('createRecord')).toMatchObject([
      [
        {
          kind: 'concern',
          record: {
            category: { kind: 'vawg', type: 'environmental', heading: 'badly_lit' },
            description: 'Street lights out along the canal path',
            location: { lat: 51.5392, lon: -0.1426 },
          },
        },
      ],
    ]);

    // The device titles it ("VAWG environmental: badly lit: ..."); the fake keeps the description.
    await user.click(screen.getByRole('link', { name: 'Records' }));
    const entry = await screen.findByRole('button', { name: /Open record: .*Street lights out along the canal path/ });
    expect(entry).toHaveTextContent('Waiting for sync');

    await user.click(screen.getByRole('link', { name: 'End of shift' }));
    await user.click(await screen.findByRole('button', { name: 'Sync everything now' }));
    expect(await screen.findByTestId('end-of-shift-result')).toHaveTextContent('No signal: 1 change not on HQ yet');
    await waitFor(() => expect(badge()).toHaveTextContent('Offline · 1 waiting'));

    backend.hqReachable = true;
    await user.click(screen.getByRole('button', { name: 'Sync everything now' }));
    expect(await screen.findByTestId('end-of-shift-result')).toHaveTextContent('Every record is on HQ');
    await waitFor(() => expect(badge()).toHaveTextContent('All uploaded'));
    expect(badge()).toHaveAccessibleName(/Sync status: All uploaded/);
  });

  it('logs a concern with a photo: thumbnail, saved with it, waiting until HQ has it, then on HQ', async () => {
    const { backend } = renderApp();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('link', { name: 'Log a concern' }));
    await screen.findByRole('heading', { level: 1, name: 'Log a concern' });
    await user.type(screen.getByLabelText('Description'), 'Underpass lights out');
    const input = screen.getByLabelText('Add photo');
    expect(input).toHaveAttribute('accept', 'image/*');
    expect(input).toHaveAttribute('capture', 'environment');
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
    await user.upload(input, new File([jpeg], 'underpass.jpg', { type: 'image/jpeg' }));
    expect(await screen.findByRole('img', { name: 'Photo 1' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save concern' }));
    expect(await screen.findByTestId('concern-saved')).toHaveTextContent('with its photo');
    expect(backend.argsOf('createConcernWithPhotos')).toEqual([[expect.objectContaining({ description: 'Underpass lights out' }), [expect.stringMatching(/^data:image\/jpeg;base64,/)]]]);
    const saved = await screen.findByTestId('saved-photos');
    expect(saved).toHaveTextContent('Waiting');
    expect(screen.queryByRole('img', { name: 'Photo 1' })).toBeNull();
    await user.click(screen.getByRole('link', { name: 'Records' }));
    await user.click(await screen.findByRole('button', { name: /Open record: .*Underpass lights out/ }));
    expect(await screen.findByTestId('record-photos')).toHaveTextContent('Waiting: kept on this tablet until HQ has it');

    await backend.syncNow();
    await user.click(screen.getByRole('button', { name: 'Back to the list' }));
    await user.click(await screen.findByRole('button', { name: /Open record: .*Underpass lights out/ }));
    await waitFor(() => expect(screen.getByTestId('record-photos')).toHaveTextContent('On HQ'));

    // Another photo on the saved concern: a change of its own, waiting again.
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7]);
    await user.upload(screen.getByLabelText('Add photo to this record'), new File([png], 'later.png', { type: 'image/png' }));
    expect(await screen.findByText(/Photo saved on this device/)).toBeInTheDocument();
    expect(backend.argsOf('attachPhotos')).toEqual([[expect.any(String), [expect.stringMatching(/^data:image\/png;base64,/)]]]);
    const states = [...screen.getByTestId('record-photos').querySelectorAll('[data-state]')].map((e) => e.getAttribute('data-state'));
    expect(states).toEqual(['on_hq', 'waiting']);
  });

  it('refuses a photo too large before saving, and shows the device\'s field error for one not an image', async () => {
    const { backend } = renderApp();
    backend.rejectOnce('createConcernWithPhotos', {
      code: 'invalid',
      message: 'Some fields need attention before this can be saved.',
      fields: [{ field: 'photos[0]', code: 'unsupported_type', message: 'only JPEG, PNG, WebP or HEIC photos can be attached' }],
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('link', { name: 'Log a concern' }));
    await screen.findByRole('heading', { level: 1, name: 'Log a concern' });
    await user.type(screen.getByLabelText('Description'), 'Graffiti on the bridge');
    const input = screen.getByLabelText('Add photo');
    const big = new File([new Uint8Array(1)], 'big.jpg', { type: 'image/jpeg' });
    Object.defineProperty(big, 'size', { value: 16 * 1024 * 1024 });
    await user.upload(input, big);
    expect(await screen.findByText(/the most a photo may be is 15 MB/)).toBeInTheDocument();
    expect(screen.queryByRole('img', { name: 'Photo 1' })).toBeNull();
    // Claims to be an image, but its bytes are not one: the device says so on the photo.
    await user.upload(input, new File([new TextEncoder().encode('%PDF-1.7')], 'scan.png', { type: 'image/png' }));
    await screen.findByRole('img', { name: 'Photo 1' });
    await user.click(screen.getByRole('button', { name: 'Save concern' }));
    expect((await screen.findAllByText(/only JPEG, PNG, WebP or HEIC/)).length).toBeGreaterThan(0);
    expect(backend.argsOf('createConcernWithPhotos')).toHaveLength(1);
    expect(screen.queryByTestId('concern-saved')).toBeNull();
    expect(await backend.listRecords({ kind: null, area: null, status: null, since: null, until: null, limit: null })).toHaveLength(0);
  }, 10_000);

  it('shows a record with its history and merges text edited on two devices side by side', async () => {
    const backend = new FakeBackend();
    const description = 'Street drinkers outside the station every evening';
    const id = backend.put({ kind: 'concern', body: { description }, title: `ASB nuisance: street drinking: ${description}`, onHq: true });
    backend.addConflict(id, 'description', 'Street drinkers by the station, mostly after 8pm');
    // The device's answer to settling it: the text saved as a change of its own, waiting.
    const stored = await backend.getRecord(id);
    backend.answerOnce('resolveConflict', (_id, field, text) => ({
      ...stored,
      body: { description: text },
      conflicts: [],
      pending_ops: 1,
      sync_state: 'waiting',
      history: [...stored.history, { at: stored.updated_at, by: 'PC4127', what: `Changed ${field}`, state: 'waiting', reason: null }],
    }));
    renderApp(backend);
    const user = userEvent.setup();
    history.replaceState(null, '', '#/records');
    dispatchEvent(new HashChangeEvent('hashchange'));
    await user.click(await screen.findByRole('button', { name: /Open record: ASB nuisance: street drinking/ }));
    const conflict = await screen.findByRole('region', { name: 'Conflict in Description' });
    expect(within(conflict).getByText('Street drinkers by the station, mostly after 8pm')).toBeInTheDocument();
    await user.click(within(conflict).getByRole('button', { name: 'Keep version 2 of Description' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Conflict in Description' })).not.toBeInTheDocument());
    const historyTable = screen.getByRole('table', { name: 'History' });
    expect(historyTable).toHaveTextContent('Changed description');
    expect(historyTable).toHaveTextContent('Waiting');
    expect(backend.argsOf('resolveConflict')).toEqual([[id, 'description', 'Street drinkers by the station, mostly after 8pm']]);
  });

  it('puts "escalate now by radio" before anything else when there is a threat to life', async () => {
    renderApp();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('link', { name: 'Intelligence' }));
    await user.click(await screen.findByRole('button', { name: 'Yes, threat to life' }));
    expect(screen.getByRole('alertdialog', { name: 'Escalate now by radio' })).toBeInTheDocument();
    expect(screen.queryByLabelText('Who')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'I have escalated by radio' }));
    expect(await screen.findByLabelText('Who')).toBeInTheDocument();
  });
});

describe('App shell', () => {
  it('offers every page in the main navigation once unlocked, Home current', async () => {
    renderApp();
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    const links = within(nav).getAllByRole('link');
    expect(links.map((link) => link.textContent?.trim())).toEqual(PAGES.map((page) => page.label));
    expect(within(nav).getByRole('link', { name: 'Home' })).toHaveAttribute('aria-current', 'page');
    // Technical details are in Settings → About, not on Home.
    await screen.findByTestId('officer-name');
    expect(screen.queryByTestId('app-version')).toBeNull();
    expect(screen.queryByText('/fake/beatbook')).toBeNull();
    await userEvent.click(within(nav).getByRole('link', { name: 'Settings' }));
    const about = await screen.findByRole('region', { name: 'About' });
    expect(await within(about).findByTestId('app-version')).toHaveTextContent('0.0.0-fake');
    expect(within(about).getByTestId('data-dir')).toHaveTextContent('/fake/beatbook');
  });

  it('flips data-theme on the root element with the theme toggle, and remembers it', async () => {
    renderApp();
    const root = document.documentElement;
    expect(root.dataset['theme']).toBe('dark');

    await userEvent.click(screen.getByRole('button', { name: 'Switch to light theme' }));
    expect(root.dataset['theme']).toBe('light');
    expect(localStorage.getItem('beatbook.theme')).toBe('light');

    await userEvent.click(screen.getByRole('button', { name: 'Switch to dark theme' }));
    expect(root.dataset['theme']).toBe('dark');
  });

  it('gives every control an aria-label, on every page', async () => {
    const { baseElement } = renderApp(demoBackend('unlocked'));
    await screen.findByRole('navigation', { name: 'Main' });
    for (const page of PAGES) {
      history.replaceState(null, '', `#/${page.id}`);
      dispatchEvent(new HashChangeEvent('hashchange'));
      await screen.findByRole('heading', { level: 1 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const controls = baseElement.querySelectorAll('a, button, input, select, textarea, [role="button"]');
      expect(controls.length).toBeGreaterThan(PAGES.length);
      for (const control of controls) {
        expect(control.getAttribute('aria-label')?.trim(), `${page.id}: ${control.outerHTML.slice(0, 120)}`).toBeTruthy();
      }
    }
  });
});
