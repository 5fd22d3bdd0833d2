import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { Team } from '$lib/bindings/Team';
import type { DecisionRequest, DecisionView, HqApi, HqErrorCode, RetentionItem, RetentionQueue } from '../api';
import { refusingApi } from '../test-api';
import Retention from './Retention.svelte';
import { latestRetainUntil } from './retention';

const retained: DecisionView = {
  seq: 3,
  at: '2026-12-01T10:15:00Z',
  by_name: 'Records Manager Sam Okafor (RM0001)',
  decision_words: 'retained until 1 Jun 2027',
  decision: { decision: 'retain', until: '2027-06-01' },
  reason: 'Complaint still open with the IOPC',
  count: 4,
};
const concern: RetentionItem = {
  id: '0193a8a4-7c2e-7d11-9b1a-aaaaaaaaaaaa',
  reference: '7F3K-92QD',
  kind: 'concern',
  kind_label: 'Concern',
  title: 'ASB nuisance: Street drinking by the station',
  occurred_at: '2023-11-20T19:30:00Z',
  review_on: '2025-11-20',
  // A concern: six years at most.
  latest_retain_until: '2032-12-07',
  areas: ['Camden Town'],
  hold: null,
  last: retained,
};
const patrol: RetentionItem = {
  id: '0193a8a4-7c2e-7d11-9b1a-bbbbbbbbbbbb',
  reference: 'Q4WX-1M8Z',
  kind: 'patrol_log',
  kind_label: 'Patrol',
  title: 'Hotspot patrol: Camden High Street',
  occurred_at: '2024-02-03T22:00:00Z',
  review_on: '2026-12-20',
  // A patrol: three years at most.
  latest_retain_until: '2029-12-07',
  areas: ['Camden Town'],
  hold: 'Complaint 2026/114',
  last: null,
};
const team: Team = { id: 'camden-town-snt', name: 'Camden Town SNT', kind: 'snt', areas: ['E05013655'] };

function queue(over: Partial<RetentionQueue> = {}): RetentionQueue {
  return { items: [concern, patrol], total: 2, latest: [retained], ...over };
}

function fakeApi(over: Partial<HqApi> = {}): HqApi {
  return refusingApi({
    retentionQueue: vi.fn(async () => queue()),
    teams: async () => [team],
    ...over,
  });
}

const refused = (code: HqErrorCode, message: string, fields: { field: string; code: string; message: string }[] = []) =>
  new BackendError<HqErrorCode>({ code, message, fields });

describe('Retention review', () => {
  beforeEach(() => {
    // Only the clock: "today" is 7 Dec 2026; timers stay real for the user events.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-07T12:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('lists what is due in words: reference, kind, title, dates, hold and last decision, and the latest decisions', async () => {
    const api = fakeApi();
    render(Retention, { props: { api } });
    const list = await screen.findByRole('table', { name: 'Records due for review' });
    const row = within(list).getByRole('row', { name: /Street drinking/ });
    expect(row).toHaveTextContent('7F3K-92QD');
    expect(row).toHaveTextContent('Concern');
    expect(row).toHaveTextContent('20 Nov 2023');
    expect(row).toHaveTextContent('20 Nov 2025');
    expect(row).toHaveTextContent('Retained until 1 Jun 2027, 1 Dec 2026, by Records Manager Sam Okafor (RM0001)');
    const held = within(list).getByRole('row', { name: /Hotspot patrol/ });
    expect(held).toHaveTextContent('On hold: Complaint 2026/114');
    expect(held).toHaveTextContent('None yet');
    expect(screen.getByText(/2 records due for review/)).toBeInTheDocument();

    const log = screen.getByRole('table', { name: 'Latest decisions' });
    const entry = within(log).getAllByRole('row')[1];
    expect(entry).toHaveTextContent('1 Dec 2026, 10:15');
    expect(entry).toHaveTextContent('Records Manager Sam Okafor (RM0001)');
    expect(entry).toHaveTextContent('Retained until 1 Jun 2027');
    expect(entry).toHaveTextContent('Complaint still open with the IOPC');
    expect(entry).toHaveTextContent('4');

    // Overdue by default; the first page.
    expect(api.retentionQueue).toHaveBeenCalledWith({ within_days: 0, limit: 100 });
    const text = document.body.textContent ?? '';
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(text).not.toMatch(/[{}[\]"]|null|undefined|_/);
  });

  it('asks HQ for the filters chosen: due window, kind, team, area and record dates', async () => {
    const api = fakeApi();
    render(Retention, { props: { api } });
    const user = userEvent.setup();
    const filters = await screen.findByRole('search', { name: 'Queue filters' });
    await user.selectOptions(within(filters).getByLabelText('Due'), 'Within 90 days');
    await user.selectOptions(within(filters).getByLabelText('Kind'), 'Concern');
    await user.selectOptions(within(filters).getByLabelText('Team'), 'Camden Town SNT');
    await user.type(within(filters).getByLabelText('Record date from'), '2023-01-01');
    await user.type(within(filters).getByLabelText('Record date to'), '2023-12-31');
    await user.click(within(filters).getByRole('button', { name: 'Show' }));
    await waitFor(() =>
      expect(api.retentionQueue).toHaveBeenLastCalledWith({
        within_days: 90,
        kind: 'concern',
        team: 'camden-town-snt',
        from: '2023-01-01',
        to: '2023-12-31',
        limit: 100,
      }),
    );
  });

  it('retains the chosen record until a date with a reason, showing the latest date allowed first', async () => {
    const decide = vi.fn(async (_: DecisionRequest): Promise<DecisionView> => ({ ...retained, seq: 4, decision: { decision: 'retain', until: '2030-01-31' }, decision_words: 'retained until 31 Jan 2030', count: 1 }));
    const api = fakeApi({ decide });
    render(Retention, { props: { api } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('checkbox', { name: 'Choose 7F3K-92QD: ASB nuisance: Street drinking by the station' }));
    const form = screen.getByRole('form', { name: 'Decision' });
    // A concern may be retained for six years at most.
    expect(form).toHaveTextContent('The latest allowed is 7 Dec 2032');
    expect(within(form).getByLabelText(/Retain until/)).toHaveAttribute('max', '2032-12-07');
    // With a patrol chosen too, the patrol's three years bind.
    await user.click(screen.getByRole('checkbox', { name: /Choose Q4WX-1M8Z/ }));
    expect(form).toHaveTextContent('The latest allowed is 7 Dec 2029');
    await user.click(screen.getByRole('checkbox', { name: /Choose Q4WX-1M8Z/ }));

    await user.type(within(form).getByLabelText(/Retain until/), '2030-01-31');
    await user.type(within(form).getByLabelText(/Reason/), 'Ongoing problem at the station: review again');
    await user.click(within(form).getByRole('button', { name: 'Retain 1 record' }));
    expect(decide).toHaveBeenCalledWith({
      records: [concern.id],
      filter: null,
      decision: { decision: 'retain', until: '2030-01-31' },
      reason: 'Ongoing problem at the station: review again',
    });
    expect(await screen.findByRole('status')).toHaveTextContent('1 record retained until 31 Jan 2030.');
    // The queue is read again, with the same filters.
    expect(api.retentionQueue).toHaveBeenCalledTimes(2);
  });

  it('shows a refused field by the field and keeps what was typed', async () => {
    const decide = vi.fn(() =>
      Promise.reject(refused('bad_request', 'The decision was not taken', [{ field: 'reason', code: 'too_short', message: 'a reason needs at least 5 characters' }])),
    );
    render(Retention, { props: { api: fakeApi({ decide }) } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('checkbox', { name: /Choose Q4WX-1M8Z/ }));
    const form = screen.getByRole('form', { name: 'Decision' });
    await user.click(within(form).getByRole('radio', { name: /Release/ }));
    expect(within(form).queryByLabelText(/Retain until/)).toBeNull();
    await user.type(within(form).getByLabelText(/Reason/), 'Done');
    await user.click(within(form).getByRole('button', { name: 'Release 1 record from hold' }));
    const reason = within(form).getByLabelText(/Reason/);
    expect(reason.closest('label')).toHaveTextContent('A reason needs at least 5 characters.');
    expect(reason).toHaveAttribute('aria-invalid', 'true');
    expect(reason).toHaveValue('Done');
    expect(decide).toHaveBeenCalledWith(expect.objectContaining({ decision: { decision: 'release' }, records: [patrol.id] }));
  });

  it('disposes of every matching record only after a confirmation that says it cannot be undone', async () => {
    const decide = vi.fn(async (): Promise<DecisionView> => ({ ...retained, seq: 5, decision: { decision: 'dispose' }, decision_words: 'disposed of', count: 2 }));
    const api = fakeApi({ decide, retentionQueue: vi.fn(async () => queue({ items: [concern], total: 2 })) });
    render(Retention, { props: { api } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('checkbox', { name: 'Choose all 2 matching records, not only those shown' }));
    const form = screen.getByRole('form', { name: 'Decision' });
    // Only the records shown are known here: the page says so, and HQ checks the rest.
    expect(form).toHaveTextContent('The latest allowed for the records shown is 7 Dec 2032; HQ checks the others');
    expect(screen.getByRole('checkbox', { name: /Choose 7F3K-92QD/ })).toBeDisabled();
    await user.click(within(form).getByRole('radio', { name: /Dispose of/ }));
    await user.type(within(form).getByLabelText(/Reason/), 'Past review, no further policing purpose');
    await user.click(within(form).getByRole('button', { name: 'Dispose of 2 records' }));

    let dialog = await screen.findByRole('dialog', { name: 'Dispose of 2 records?' });
    expect(dialog).toHaveTextContent('This cannot be undone');
    expect(dialog).toHaveTextContent('every tablet that holds them removes them at its next sync');
    await user.click(within(dialog).getByRole('button', { name: 'Keep them' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(decide).not.toHaveBeenCalled();

    await user.click(within(form).getByRole('button', { name: 'Dispose of 2 records' }));
    dialog = await screen.findByRole('dialog', { name: 'Dispose of 2 records?' });
    await user.click(within(dialog).getByRole('button', { name: 'Dispose of 2 records' }));
    // The filter the list was read with, not a list of ids: every matching record.
    expect(decide).toHaveBeenCalledWith({
      records: null,
      filter: { within_days: 0 },
      decision: { decision: 'dispose' },
      reason: 'Past review, no further policing purpose',
    });
    expect(await screen.findByRole('status')).toHaveTextContent('2 records disposed of.');
  });

  it('says why HQ refused a disposal of a record on hold, by the decision', async () => {
    const decide = vi.fn(() =>
      Promise.reject(refused('conflict', 'This record is on hold (Complaint 2026/114): release the hold before disposing of it')),
    );
    render(Retention, { props: { api: fakeApi({ decide }) } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('checkbox', { name: /Choose Q4WX-1M8Z/ }));
    const form = screen.getByRole('form', { name: 'Decision' });
    await user.click(within(form).getByRole('radio', { name: /Dispose of/ }));
    await user.type(within(form).getByLabelText(/Reason/), 'Past review');
    await user.click(within(form).getByRole('button', { name: 'Dispose of 1 record' }));
    const dialog = await screen.findByRole('dialog', { name: 'Dispose of 1 record?' });
    expect(dialog).toHaveTextContent('every tablet that holds it removes it');
    await user.click(within(dialog).getByRole('button', { name: 'Dispose of 1 record' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('release the hold before disposing of it');
    // Nothing was taken off the list.
    expect(screen.getByRole('row', { name: /Hotspot patrol/ })).toBeInTheDocument();
  });

  it('says when nothing is due', async () => {
    render(Retention, { props: { api: fakeApi({ retentionQueue: async () => ({ items: [], total: 0, latest: [] }) }) } });
    expect(await screen.findByText('No records are due for review with these filters.')).toBeInTheDocument();
    expect(screen.getByText('No decisions yet.')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Decision' })).toBeNull();
  });
});

describe('The latest retain date', () => {
  it('is the earliest of the records chosen, and none without a record', () => {
    expect(latestRetainUntil([concern, patrol])).toBe('2029-12-07');
    expect(latestRetainUntil([concern])).toBe('2032-12-07');
    expect(latestRetainUntil([])).toBeNull();
  });
});
