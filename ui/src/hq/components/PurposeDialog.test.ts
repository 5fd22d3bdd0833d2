import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { Officer } from '$lib/bindings/Officer';
import type { RecordSummary } from '$lib/bindings/RecordSummary';
import type { HqErrorCode, RecordList } from '../api';
import Hq from '../Hq.svelte';
import { currentPurpose } from '../purpose';
import { purposeGate, purposeWords } from '../purpose-gate.svelte';
import { refusingApi } from '../test-api';

const analyst: Officer = { id: 'AN0815', collar_number: 'AN0815', name: 'Priya Natarajan', role: 'analyst', teams: [] };
const kinds = [
  { code: 'investigation', label: 'Investigation', needs_reference: true, unmasks: true },
  { code: 'performance_review', label: 'Performance review', needs_reference: false, unmasks: false },
];
const row: RecordSummary = {
  id: 'r1',
  kind: 'concern',
  title: 'ASB nuisance: street drinking by the station',
  status: 'open',
  occurred_at: '2026-12-06T21:44:00Z',
  areas: [],
  conflicts: [],
  pending_ops: 0,
  body: {},
};
const page: RecordList = { records: [row], more: false, next_before: null, scanned: 1, scan_stopped: false };

function api(records: () => Promise<RecordList>) {
  return refusingApi({
    me: async () => analyst,
    purposes: async () => ({ kinds, hold_minutes: 30 }),
    records: vi.fn(records),
    record: async () => ({
      summary: row,
      created_by: 'PC4127',
      created_by_name: 'PC Amira Khan (PC4127)',
      server_seq: 1,
      created_at: '2026-12-06T21:44:00Z',
      updated_at: '2026-12-06T21:44:00Z',
      history: [],
    }),
  });
}

const dialog = () => screen.findByRole('dialog', { name: 'Why are you looking at these records?' });

beforeEach(() => {
  history.replaceState(null, '', '#/records');
  purposeGate.signOut();
});

describe('The purpose of a look', () => {
  it('is asked once per task, with field errors in words, and held in the header until ended', async () => {
    const a = api(async () => page);
    render(Hq, { props: { api: a } });
    const user = userEvent.setup();
    const d = await dialog();
    expect(a.records).not.toHaveBeenCalled();

    // Nothing chosen, then a purpose that needs a reference without one: told which and why.
    await user.click(within(d).getByRole('button', { name: 'Give purpose' }));
    expect(d).toHaveTextContent('Choose the purpose.');
    await user.selectOptions(within(d).getByLabelText('Purpose'), 'Performance review');
    // An analyst is told what the purpose shows.
    expect(d).toHaveTextContent('Names and contact details stay masked for this purpose.');
    await user.selectOptions(within(d).getByLabelText('Purpose'), 'Investigation');
    expect(d).toHaveTextContent('Names and contact details are shown for this purpose.');
    await user.click(within(d).getByRole('button', { name: 'Give purpose' }));
    expect(within(d).getByLabelText(/^Reference/)).toHaveAccessibleDescription('Give the reference for investigation (a crime, incident or request number).');
    expect(a.records).not.toHaveBeenCalled();

    await user.type(within(d).getByLabelText(/^Reference/), 'CAD 1234/06DEC');
    await user.type(within(d).getByLabelText('Note (optional)'), 'Assault outside the Electric Ballroom');
    await user.click(within(d).getByRole('button', { name: 'Give purpose' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    await screen.findByRole('button', { name: /street drinking by the station/ });
    expect(a.records).toHaveBeenCalledTimes(1);

    const held = screen.getByRole('status', { name: 'Purpose held' });
    expect(held).toHaveTextContent(/^Purpose: Investigation CAD 1234\/06DEC: Assault outside the Electric Ballroom — until \d\d:\d\d/);
    const kept = currentPurpose();
    expect(kept).toMatchObject({ code: 'investigation', reference: 'CAD 1234/06DEC', note: 'Assault outside the Electric Ballroom' });
    // Held for the force's time (30 minutes here).
    expect((kept?.until ?? 0) - Date.now()).toBeGreaterThan(29 * 60_000);
    expect((kept?.until ?? 0) - Date.now()).toBeLessThanOrEqual(30 * 60_000);

    // The same task goes on without asking again.
    await user.click(screen.getByRole('button', { name: /street drinking by the station/ }));
    await screen.findByRole('region', { name: 'Record' });
    await user.click(screen.getByRole('button', { name: 'Search records' }));
    await waitFor(() => expect(a.records).toHaveBeenCalledTimes(2));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();

    // Ended: the header no longer shows it, and the next read asks again.
    await user.click(within(held).getByRole('button', { name: 'End purpose' }));
    expect(screen.queryByRole('status', { name: 'Purpose held' })).not.toBeInTheDocument();
    expect(currentPurpose()).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Search records' }));
    await dialog();
    expect(a.records).toHaveBeenCalledTimes(2);
  });

  it('is asked again in HQ\'s words when HQ needs one, and nothing is read without one', async () => {
    let refuse = true;
    const a = api(async () => {
      if (refuse) {
        refuse = false;
        throw new BackendError<HqErrorCode>({ code: 'purpose_required', message: '"curiosity" is not one of this force\'s purposes' });
      }
      return page;
    });
    render(Hq, { props: { api: a } });
    const user = userEvent.setup();
    let d = await dialog();
    await user.selectOptions(within(d).getByLabelText('Purpose'), 'Performance review');
    await user.click(within(d).getByRole('button', { name: 'Give purpose' }));
    d = await screen.findByRole('dialog', { name: 'Why are you looking at these records?' });
    await waitFor(() => expect(within(d).getByRole('alert')).toHaveTextContent('HQ asked for the purpose again: "curiosity" is not one of this force\'s purposes.'));
    expect(currentPurpose()).toBeNull();
    // What was given before is offered again.
    expect(within(d).getByLabelText('Purpose')).toHaveValue('performance_review');
    await user.click(within(d).getByRole('button', { name: 'Give purpose' }));
    await screen.findByRole('button', { name: /street drinking by the station/ });
    expect(a.records).toHaveBeenCalledTimes(2);

    // Cancelled: no read, and the page says why.
    await user.click(screen.getByRole('button', { name: 'End purpose' }));
    await user.click(screen.getByRole('button', { name: 'Search records' }));
    d = await dialog();
    await user.click(within(d).getByRole('button', { name: 'Cancel' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('No records were read: give the purpose of this look to see them.');
    expect(a.records).toHaveBeenCalledTimes(2);
  });

  it('is dropped at sign-out', async () => {
    render(Hq, { props: { api: api(async () => page) } });
    const user = userEvent.setup();
    const d = await dialog();
    await user.selectOptions(within(d).getByLabelText('Purpose'), 'Performance review');
    await user.click(within(d).getByRole('button', { name: 'Give purpose' }));
    await screen.findByRole('status', { name: 'Purpose held' });
    expect(currentPurpose()).not.toBeNull();
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await screen.findByRole('heading', { level: 1, name: 'Sign in to HQ' });
    expect(currentPurpose()).toBeNull();
    expect(screen.queryByRole('status', { name: 'Purpose held' })).not.toBeInTheDocument();
  });

  it('reads in words as HQ logs it', () => {
    expect(purposeWords({ code: 'investigation', reference: 'CAD 1234', note: 'Zoë & co' }, kinds)).toBe('Investigation CAD 1234: Zoë & co');
    expect(purposeWords({ code: 'performance_review', reference: null, note: '' }, kinds)).toBe('Performance review');
  });
});
