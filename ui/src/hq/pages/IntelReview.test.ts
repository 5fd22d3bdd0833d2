import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RecordSummary } from '$lib/bindings/RecordSummary';
import type { HqApi, QueueItem, ReportDetail } from '../api';
import { refusingApi } from '../test-api';
import IntelReview from './IntelReview.svelte';
import { purposeGate } from '../purpose-gate.svelte';

// The page alone, without the dashboard's dialog: the purpose is given beforehand, as staff give
// it in the dialog before the first read (issue 16).
beforeEach(() => {
  purposeGate.give({ code: 'investigation', reference: 'CAD 1234', note: '' }, 'Investigation CAD 1234', 60);
});

const summary = (id: string, kind: RecordSummary['kind'], title: string, body: unknown): RecordSummary => ({
  id, kind, title, status: 'submitted', occurred_at: '2026-12-06T21:44:05.703419768Z', areas: ['tc-dalston'], conflicts: [], pending_ops: 0, body,
});
const report = summary('0193a8a4-7c2e-7d11-9b1a-aaaaaaaaaaaa', 'intel_report', 'Intelligence 2C P: A blue van', { content: 'A blue van parks outside the café', grade: { source: '2', intelligence: 'C', handling: { code: 'P' } } });
const source = summary('0193a8a4-7c2e-7d11-9b1a-bbbbbbbbbbbb', 'intel_source', 'Source details (restricted)', {
  report_id: report.id, source_type: 'member_of_public', name: 'Jan Novak', contact: '07700 900789', relationship: null, notes: 'Runs the café opposite', recorded_at: '2026-12-06T21:44:05Z', retention_review: '2032-12-06',
});
const item: QueueItem = { summary: report, submitted_by: 'PC3318', submitted_by_name: 'PC Grace Adeyemi (PC3318)', review_state: 'submitted', grade: '2C P', threat_to_life: false, has_source: true };
const detail: ReportDetail = { report, submitted_by: 'PC3318', submitted_by_name: 'PC Grace Adeyemi (PC3318)', sources: [source] };

function fakeApi(over: Partial<HqApi> = {}): HqApi {
  return refusingApi({ queue: async () => [item], report: async () => detail, ...over });
}

describe('Intelligence review', () => {
  it('shows who submitted a report and its source details as labelled fields, not JSON', async () => {
    render(IntelReview, { props: { api: fakeApi() } });
    const user = userEvent.setup();
    const queue = await screen.findByRole('region', { name: 'Queue' });
    // The queue arrives once the read (with its purpose) is answered.
    await waitFor(() => expect(queue).toHaveTextContent('from PC Grace Adeyemi (PC3318)'));
    expect(queue).toHaveTextContent('Submitted');
    await user.click(within(queue).getByRole('button', { name: /A blue van/ }));
    await screen.findByText('Jan Novak');
    const fields = document.querySelector('dl[aria-label="Source details"]') as HTMLElement;
    expect(fields).toHaveTextContent(/Kind of source\s*Member of public/);
    expect(fields).toHaveTextContent(/Name\s*Jan Novak/);
    expect(fields).toHaveTextContent(/Relationship\s*Not given/);
    expect(fields).toHaveTextContent(/Recorded\s*6 Dec 2026, 21:44/);
    expect(fields).toHaveTextContent(/Retention review\s*6 Dec 2032/);
    expect(screen.getByRole('heading', { name: 'Report from PC Grace Adeyemi (PC3318)' })).toBeInTheDocument();
    const text = document.body.textContent ?? '';
    expect(text).not.toMatch(/[{}"]|report_id|[0-9a-f]{8}-[0-9a-f]{4}-/);
  });
});
