/**
 * The device `npm run dev` and the Playwright suite run on in a plain browser: the test double
 * (`FakeBackend`) with the demo areas and a few records, as a device would hold them after a sync.
 * Everything the device would work out is written here as it would answer, not worked out: the
 * records' titles and areas, the briefing, the priorities board. A new record's areas are the
 * officer's home ward and town centre wherever it is placed.
 *
 * In the browser the double is `window.beatbookFake`, so an end-to-end test can script an answer
 * (`beatbookFake.rejectOnce('unlock', {code: 'wrong_pin', ...})`).
 */
import type { ActionCard } from '../bindings/ActionCard';
import type { AreaRef } from '../bindings/AreaRef';
import type { Concern } from '../bindings/Concern';
import type { Priority } from '../bindings/Priority';
import type { PriorityCard } from '../bindings/PriorityCard';
import type { RecordSummary } from '../bindings/RecordSummary';
import { DEMO_AREAS } from './demo-areas';
import { demoMeetings } from './demo-meetings';
import { FakeBackend, type FakeBackendOptions } from './fake';

const CAMDEN: AreaRef[] = [
  { id: 'E05013655', name: 'Camden Town', kind: 'ward' },
  { id: 'tc-camden-town', name: 'Camden Town', kind: 'town_centre' },
];

function concern(description: string, lat: number, lon: number, heading: 'street_drinking' | 'noise'): Concern {
  return {
    category: { kind: 'asb', type: 'nuisance', heading },
    description,
    location: { lat, lon, place: null },
    areas: CAMDEN.map((a) => a.id),
    people: [],
    consent_to_contact: false,
    contact: null,
    priority: 'medium',
    status: 'open',
    crime_referral: null,
    reported_at: '2026-11-20T19:30:00Z',
    retention_review: '2028-11-20',
    photos: [],
  };
}

const PRIORITY: Priority = {
  area_id: 'tc-camden-town',
  title: 'Street drinking by the station',
  description: '',
  meeting_id: null,
  agreed_on: '2026-07-14',
  last_reviewed_on: null,
  status: 'active',
  retention_review: '2028-07-14',
  scanning: 'Twelve concerns in a month',
  analysis: '',
  responses: [{ action: 'Weekly evening patrols', owner: 'PC4127', due_on: '2026-08-14', done: false }],
  assessment: '',
};

/** An improvement action HQ opened on the team's red patrol hours, with one update. */
const ACTION: ActionCard = {
  id: '0190a0e0-0000-7000-8000-00000000ac01',
  measure_label: 'Hotspot patrol hours per week at peak times',
  what: 'Two extra evening patrols a week on Camden High Street, Thursday to Saturday',
  team_id: 'camden-tct',
  team_name: 'Camden Town Centre Team',
  owner_name: 'PC Daniel Price',
  opened_by_name: 'PS Helen Doyle',
  opened_on: '2026-12-01',
  target: 12,
  value: 4.5,
  period_first_day: '2026-11-01',
  period_last_day: '2026-11-30',
  status: 'on_track',
  status_words: 'On track',
  due_on: '2027-01-31',
  review_on: '2026-12-20',
  overdue: false,
  review_overdue: false,
  closed_on: null,
  latest_update: null,
  updates: [{ note: 'Rota changed for December: the extra patrols start this Thursday', progress: 'on_track', at: '2026-12-02T09:15:00Z', author_name: 'PC Daniel Price' }],
  pending_ops: 0,
};
ACTION.latest_update = ACTION.updates[0]!;

/** The demo device, starting with nothing on it, locked (any PIN unlocks) or unlocked. */
export function demoBackend(start: NonNullable<FakeBackendOptions['start']>): FakeBackend {
  const backend = new FakeBackend({ start, areas: DEMO_AREAS });
  backend.answer('areasAt', () => structuredClone(CAMDEN));
  if (start === 'new') return backend;

  const concerns: RecordSummary[] = (
    [
      ['ASB nuisance: street drinking', concern('Street drinkers outside the station every evening', 51.5392, -0.1426, 'street_drinking')],
      ['ASB nuisance: noise', concern('Loud music from the flats above the market late at night', 51.541, -0.145, 'noise')],
    ] as const
  ).map(([heading, body]) => {
    const title = `${heading}: ${body.description}`;
    const id = backend.put({ kind: 'concern', body, title, areas: CAMDEN, onHq: true });
    return { id, kind: 'concern', title, status: 'open', occurred_at: body.reported_at, areas: body.areas, conflicts: [], pending_ops: 0, body };
  });
  backend.addConflict(concerns[0]!.id, 'description', 'Street drinkers by the station, mostly after 8pm');
  concerns[0]!.conflicts = ['description'];

  const priority = backend.put({ kind: 'priority', body: PRIORITY, title: PRIORITY.title, areas: [CAMDEN[1]!], onHq: true });
  const card: PriorityCard = { id: priority, priority: PRIORITY, review_due: '2026-10-14', overdue: true, updates: [], pending_ops: 0 };
  backend.answer('prioritiesBoard', (area) => (area === null || area === PRIORITY.area_id ? [card] : []));
  backend.putAction(ACTION);
  backend.answer('briefing', () => ({
    areas: [CAMDEN[1]!, { id: 'tc-kentish-town', name: 'Kentish Town', kind: 'town_centre' }],
    concerns,
    priorities: [card],
    actions: backend.openActions(),
    hotspots: [{ area: CAMDEN[1]!, open_concerns: concerns.length }],
    generated_at: new Date().toISOString(),
  }));
  demoMeetings(backend, DEMO_AREAS.map(({ id, name, kind }) => ({ id, name, kind })));
  return backend;
}
