import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { Team } from '$lib/bindings/Team';
import type { RecordSummary } from '$lib/bindings/RecordSummary';
import type { HqApi, HqErrorCode, QueueItem, ReportDetail } from '../api';
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

  it('shares only once every check is ticked, and shows what HQ still finds of the source in words', async () => {
    const teams: Team[] = [{ id: 'hackney-tct', name: 'Hackney Town Centre Team', kind: 'tct', areas: ['tc-dalston'] }];
    const refusal = new BackendError<HqErrorCode>({
      code: 'bad_request',
      message: '“Novak” is part of the source\'s name.',
      fields: [
        { field: 'content', code: 'identifies_source', message: '“Novak” is part of the source\'s name' },
        { field: 'content', code: 'identifies_source', message: '“07700-900-789” is the source\'s phone number (07700 900789, in their contact)' },
      ],
    });
    const disseminate = vi.fn().mockRejectedValueOnce(refusal).mockResolvedValueOnce({ sanitised_id: 'x', teams: ['hackney-tct'] });
    render(IntelReview, { props: { api: fakeApi({ teams: async () => teams, disseminate }) } });
    const user = userEvent.setup();
    await user.click(await within(await screen.findByRole('region', { name: 'Queue' })).findByRole('button', { name: /A blue van/ }));
    const text = await screen.findByRole('textbox', { name: /Sanitised text/ });
    await user.clear(text);
    await user.type(text, 'Novak says a blue van parks by the café, ring 07700-900-789');
    await user.click(await screen.findByRole('checkbox', { name: 'Hackney Town Centre Team' }));
    const share = screen.getByRole('button', { name: 'Disseminate' });
    expect(share).toBeDisabled();
    const checklist = screen.getByRole('group', { name: 'Checks before sharing' });
    const boxes = within(checklist).getAllByRole('checkbox');
    expect(boxes).toHaveLength(5);
    expect(checklist).toHaveTextContent('No phone number, email, address or other contact detail of the source');
    for (const b of boxes) await user.click(b);
    expect(share).toBeEnabled();
    await user.click(share);
    const found = await screen.findByRole('alert', { name: 'What still points to the source' });
    expect(found).toHaveTextContent('“Novak” is part of the source\'s name');
    expect(found).toHaveTextContent('is the source\'s phone number (07700 900789, in their contact)');
    expect(disseminate.mock.calls[0]?.[1]).toMatchObject({
      confirmed: ['source_not_identifiable', 'no_contact_details', 'no_detail_only_the_source_knows', 'location_coarsened', 'handling_code_checked'],
      handling_reason: '',
      teams: ['hackney-tct'],
    });
    await user.clear(text);
    await user.type(text, 'A blue van parks on the high street');
    await user.click(share);
    await screen.findByText(/Sanitised and shared with 1 team/);
  });

  it('asks why the handling code changes, and sends the reason with the grade', async () => {
    const grade = vi.fn(async () => {});
    render(IntelReview, { props: { api: fakeApi({ grade }) } });
    const user = userEvent.setup();
    await user.click(await within(await screen.findByRole('region', { name: 'Queue' })).findByRole('button', { name: /A blue van/ }));
    await screen.findByText('Jan Novak');
    expect(screen.queryByRole('textbox', { name: /Why the handling code changes/ })).not.toBeInTheDocument();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Handling' }), 'C');
    await user.type(screen.getByRole('textbox', { name: 'Conditions' }), 'Police only');
    const why = screen.getByRole('textbox', { name: /Why the handling code changes/ });
    expect(screen.getByText(/From P \(lawful sharing permitted\) to C \(with conditions\)/)).toBeInTheDocument();
    await user.type(why, 'The café owner would be exposed if partners saw it');
    await user.click(screen.getByRole('button', { name: 'Save grade' }));
    expect(grade).toHaveBeenCalledWith(report.id, expect.objectContaining({ handling: { code: 'C', conditions: 'Police only' } }), 'The café owner would be exposed if partners saw it');
  });
});
