/**
 * Meetings and priorities on the demo device (`demo.ts`): a ward panel held in Camden Town with
 * the priority it agreed, and the device's answers for meetings written as it would give them: a
 * saved meeting makes a priority for each one agreed, with its review three months on, and the
 * board lists the priorities on the device with their "You said, we did" updates.
 */
import type { AreaRef } from '../bindings/AreaRef';
import type { Meeting } from '../bindings/Meeting';
import type { Priority } from '../bindings/Priority';
import type { PriorityCard } from '../bindings/PriorityCard';
import type { YouSaidWeDid } from '../bindings/YouSaidWeDid';
import { date, todayInLondon } from '../format';
import type { FakeBackend } from './fake';
import { filter } from './index';

/** `day` (YYYY-MM-DD) `months` later, the last day of the month where it has no such day. */
function monthsAfter(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}

const HELD: Meeting = {
  meeting_type: 'ward_panel',
  area_id: 'E05013655',
  held_on: '2026-09-15',
  venue: 'Camden Town Library',
  attendance: [
    { role: 'resident', count: 18 },
    { role: 'councillor', count: 2 },
  ],
  total_attendance: null,
  issues_raised: ['Cycle theft at the station', 'Noise from late venues', 'Litter on the high street'],
  votes: [
    { title: 'Cycle theft at the station', votes: 11 },
    { title: 'Noise from late venues', votes: 6 },
  ],
  agreed_priorities: ['Cycle theft at the station'],
  review_date: '2026-12-15',
  notes: '',
  retention_review: '2028-09-15',
};

/** Adds the demo meeting and the device's answers for meetings and the board to `backend`. */
export function demoMeetings(backend: FakeBackend, areas: readonly AreaRef[]): void {
  const refs = (id: string): AreaRef[] => areas.filter((a) => a.id === id);
  // As the device titles a meeting (domain `Meeting::title`): the date as people write it.
  const title = (m: Meeting) => `Ward panel, ${date(m.held_on)}`;

  function putMeeting(m: Meeting, onHq: boolean, id?: string): { id: string; priorities: string[] } {
    const meetingId = backend.put({ kind: 'meeting', body: { ...m }, title: title(m), areas: refs(m.area_id), onHq }, id);
    const priorities = m.agreed_priorities.map((t) => {
      const p: Priority = {
        area_id: m.area_id,
        title: t,
        description: '',
        meeting_id: meetingId,
        agreed_on: m.held_on,
        last_reviewed_on: null,
        status: 'active',
        scanning: '',
        analysis: '',
        responses: [],
        assessment: '',
        retention_review: m.retention_review,
      };
      return backend.put({ kind: 'priority', body: { ...p }, title: t, areas: refs(m.area_id), onHq });
    });
    return { id: meetingId, priorities };
  }
  putMeeting(HELD, true);

  backend.answer('createRecord', (input) => {
    if (input.kind !== 'meeting') return backend.put({ kind: input.kind, body: { ...input.record } });
    const { id, review_date, retention_review, ...rest } = input.record;
    const meeting: Meeting = {
      ...rest,
      review_date: review_date ?? monthsAfter(rest.held_on, 3),
      retention_review: retention_review ?? monthsAfter(rest.held_on, 24),
    };
    return putMeeting(meeting, false, id).id;
  });

  backend.answer('prioritiesBoard', async (area) => {
    const today = todayInLondon();
    const rows = await backend.listRecords(filter({ kind: 'priority' }));
    const cards: PriorityCard[] = [];
    for (const row of rows) {
      const priority = row.body as Priority;
      if (area !== null && priority.area_id !== area) continue;
      const detail = await backend.getRecord(row.id);
      const review_due = monthsAfter(priority.last_reviewed_on ?? priority.agreed_on, 3);
      cards.push({
        id: row.id,
        priority,
        review_due,
        overdue: priority.status === 'active' && today > review_due,
        updates: detail.log.map((e) => e.entry as YouSaidWeDid),
        pending_ops: row.pending_ops,
      });
    }
    return cards.sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.review_due.localeCompare(b.review_due));
  });
}
