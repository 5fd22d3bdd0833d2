import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AreaRef } from '$lib/bindings/AreaRef';
import type { Concern } from '$lib/bindings/Concern';
import type { IntelReport } from '$lib/bindings/IntelReport';
import type { RecordSummary } from '$lib/bindings/RecordSummary';
import { FakeBackend } from '$lib/backend/fake';
import { reference } from '$lib/format';
import App from '../App.svelte';
import { hrefForRecord } from '../routes';

const CAMDEN: AreaRef[] = [
  { id: 'E05013655', name: 'Camden Town', kind: 'ward' },
  { id: 'tc-camden-town', name: 'Camden Town', kind: 'town_centre' },
];

/** What a screen must never show an officer: JSON, an ISO timestamp, an id, a code word. */
const DEVELOPER_DATA = [
  /[[{]\s*"/, // JSON
  /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, // ISO timestamp
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i, // uuid
  /\b[a-z]+_[a-z_]+\b/, // snake_case code
  /Error code/i,
];

const CONCERN: Concern = {
  category: { kind: 'asb', type: 'nuisance', heading: 'street_drinking' },
  description: 'Street drinkers outside the station every evening',
  location: { lat: 51.5392, lon: -0.1426, place: 'Camden Town station' },
  areas: ['E05013655', 'tc-camden-town'],
  people: [
    { role: 'witness', name: 'Jo Bloggs', description: null, statements: [{ text: 'They are here every night', basis: 'fact' }] },
    { role: 'suspect', name: null, description: 'Tall man, red coat', statements: [] },
  ],
  consent_to_contact: false,
  contact: null,
  priority: 'medium',
  status: 'in_progress',
  crime_referral: null,
  reported_at: '2026-12-06T21:44:05.703419768Z',
  retention_review: '2028-12-06',
  photos: [],
};

const INTEL: IntelReport = {
  grade: { source: '2', intelligence: 'B', handling: { code: 'C', conditions: 'Not to be shared outside the Met' } },
  security: 'official_sensitive',
  content: 'A white van is used to move stolen bikes',
  checks_made: 'PNC checked',
  threat_to_life: false,
  location: null,
  areas: ['tc-camden-town'],
  source_id: '0190a0e0-0000-7000-8000-0000000000aa',
  review_state: 'submitted',
  disseminated_to: ['camden-tct'],
  legacy_grade: null,
  submitted_at: '2026-12-06T21:44:05Z',
  retention_review: '2032-12-06',
};

beforeEach(() => {
  history.replaceState(null, '', '#/records');
  localStorage.clear();
});

function openAt(hash: string, backend: FakeBackend) {
  history.replaceState(null, '', hash);
  render(App, { props: { backend } });
}

function summary(title: string): RecordSummary {
  return { id: `0190a0e0-0000-7000-8000-${title.length.toString(16).padStart(12, '0')}`, kind: 'concern', title, status: 'open', occurred_at: '2026-12-06T21:44:05Z', areas: [], conflicts: [], pending_ops: 0, body: {} };
}

describe('search in Records', () => {
  it('never lets an older search answering last replace a newer one', async () => {
    const backend = new FakeBackend();
    let releaseOld: (rows: RecordSummary[]) => void = () => undefined;
    // "st" answers slowly (after "station" has answered); "station" at once.
    backend.answer('searchRecords', (text) => {
      if (text === 'st') return new Promise<RecordSummary[]>((resolve) => (releaseOld = resolve));
      if (text === 'station') return [summary('Drinkers at the station')];
      return [];
    });
    openAt('#/records', backend);
    const user = userEvent.setup();
    const search = await screen.findByLabelText('Search records');
    await user.type(search, 'st');
    await waitFor(() => expect(backend.argsOf('searchRecords').map(([t]) => t)).toContain('st'));
    await user.type(search, 'ation');
    expect(await screen.findByRole('button', { name: 'Open record: Drinkers at the station' })).toBeInTheDocument();

    releaseOld([summary('Stale answer for st')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByRole('button', { name: /Stale answer/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'Open record: Drinkers at the station' })).toBeInTheDocument();
  });
});

describe('a record as a person reads it', () => {
  it('shows a concern with area names, the category in words, people as a list and dates as 6 Dec 2026, 21:44', async () => {
    const backend = new FakeBackend();
    const id = backend.put({ kind: 'concern', body: CONCERN, title: 'ASB nuisance: street drinking', areas: CAMDEN, onHq: true });
    openAt(hrefForRecord(id), backend);
    const fields = await screen.findByTestId('record-fields');
    const text = fields.textContent ?? '';
    expect(text).toContain('Camden Town (ward)');
    expect(text).toContain('Camden Town (town centre)');
    expect(text).toContain('ASB nuisance: street drinking');
    expect(text).toContain('6 Dec 2026, 21:44');
    expect(text).toContain('6 Dec 2028');
    expect(text).toContain('In progress');
    const people = within(fields).getAllByRole('listitem').map((li) => li.textContent);
    expect(people).toContain('Witness: Jo Bloggs. Said: “They are here every night” (fact).');
    expect(people).toContain('Suspect: Tall man, red coat.');
    expect(screen.getByTestId('record-reference')).toHaveTextContent(`Reference ${reference(id)}`);
    for (const pattern of DEVELOPER_DATA) expect(document.querySelector('main')!.textContent, String(pattern)).not.toMatch(pattern);
  });

  it('shows intelligence with its grade, handling and marking in words, and team names', async () => {
    const backend = new FakeBackend();
    const id = backend.put({ kind: 'intel_report', body: INTEL as unknown as Record<string, unknown>, title: 'Intelligence: white van', areas: [CAMDEN[1]!], editable: false, onHq: true });
    openAt(hrefForRecord(id), backend);
    const fields = await screen.findByTestId('record-fields');
    const text = fields.textContent ?? '';
    expect(text).toContain('Official-Sensitive');
    expect(text).toContain('2B C');
    expect(text).toContain('Sharing permitted with conditions: Not to be shared outside the Met');
    expect(text).toContain('Camden Town Centre Team');
    expect(text).toContain('Submitted: waiting for the intelligence unit');
    for (const pattern of DEVELOPER_DATA) expect(document.querySelector('main')!.textContent, String(pattern)).not.toMatch(pattern);
  });

  it('clears "Waiting for sync" once the record has uploaded, without reopening it', async () => {
    const backend = new FakeBackend();
    const id = backend.put({ kind: 'concern', body: CONCERN, title: 'Drinkers', areas: CAMDEN });
    openAt(hrefForRecord(id), backend);
    expect(await screen.findByTestId('record-sync-state')).toHaveTextContent('Waiting for sync (1 change)');
    await backend.syncNow();
    await waitFor(() => expect(screen.getByTestId('record-sync-state')).toHaveTextContent('On HQ'), { timeout: 5000 });
  });
});
