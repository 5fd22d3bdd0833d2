import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ActionCard } from '$lib/bindings/ActionCard';
import { FakeBackend } from '$lib/backend/fake';
import App from '../App.svelte';
import { hrefForAction } from '../routes';

/** What a screen must never show an officer: JSON, an ISO date or timestamp, an id, a code word. */
const DEVELOPER_DATA = [
  /[[{]\s*"/, // JSON
  /\d{4}-\d{2}-\d{2}/, // ISO date or timestamp
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i, // uuid
  /\b[a-z]+_[a-z_]+\b/, // snake_case code
];

/** An action as the device answers it: status, words and flags worked out by the device. */
function action(parts: Partial<ActionCard> = {}): ActionCard {
  const card: ActionCard = {
    id: '0190a0e0-0000-7000-8000-00000000ac01',
    measure_label: 'Hotspot patrol hours per week at peak times',
    what: 'Two extra evening patrols a week on Camden High Street',
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
    updates: [
      { note: 'Rota changed for December', progress: 'on_track', at: '2026-12-02T09:15:00Z', author_name: 'PC Daniel Price' },
      { note: 'First extra patrol done; quiet night', progress: null, at: '2026-12-04T22:30:00Z', author_name: 'PS Helen Doyle' },
    ],
    pending_ops: 0,
    ...parts,
  };
  if (!('latest_update' in parts)) card.latest_update = card.updates.at(-1) ?? null;
  return card;
}

beforeEach(() => {
  history.replaceState(null, '', '#/home');
  localStorage.clear();
});

function openAt(hash: string, backend: FakeBackend) {
  history.replaceState(null, '', hash);
  render(App, { props: { backend } });
}

function noDeveloperData() {
  const text = document.querySelector('main')!.textContent ?? '';
  for (const pattern of DEVELOPER_DATA) expect(text, String(pattern)).not.toMatch(pattern);
}

describe('improvement actions in the briefing', () => {
  it('shows each of the team’s open actions in words, overdue ones marked, each opening its page', async () => {
    const backend = new FakeBackend();
    backend.putAction(action());
    backend.putAction(
      action({
        id: '0190a0e0-0000-7000-8000-00000000ac02',
        measure_label: 'Engagement events per month',
        what: 'A street briefing every week at the market',
        status: 'off_track',
        status_words: 'Off track',
        due_on: '2026-12-05',
        overdue: true,
        updates: [],
        latest_update: null,
      }),
    );
    openAt('#/home', backend);

    const list = await screen.findByRole('list', { name: 'Improvement actions' });
    const patrols = within(list).getByRole('link', { name: 'Open action: Hotspot patrol hours per week at peak times' });
    expect(patrols).toHaveAttribute('href', hrefForAction('0190a0e0-0000-7000-8000-00000000ac01'));
    const text = patrols.textContent ?? '';
    expect(text).toContain('On track');
    expect(text).toContain('Two extra evening patrols a week on Camden High Street');
    expect(text).toContain('Owner PC Daniel Price');
    expect(text).toContain('Due 31 Jan 2027');
    expect(text).toContain('review 20 Dec 2026');
    expect(text).toContain('Latest update, 4 Dec 2026, 22:30, PS Helen Doyle: First extra patrol done; quiet night');
    expect(patrols).not.toHaveClass('overdue');

    const late = within(list).getByRole('link', { name: 'Open action: Engagement events per month' });
    expect(late).toHaveClass('overdue');
    expect(late.textContent).toContain('Off track');
    expect(late.textContent).toContain('Overdue since 5 Dec 2026');
    expect(late.textContent).toContain('No updates yet.');
    noDeveloperData();
  });

  it('is read again when a sync lands, so an action pulled in the background shows without a tap', async () => {
    const backend = new FakeBackend();
    openAt('#/home', backend);
    expect(await screen.findByText('No open improvement actions for your team.')).toBeInTheDocument();
    backend.putAction(action());
    await backend.syncNow();
    expect(await screen.findByRole('link', { name: 'Open action: Hotspot patrol hours per week at peak times' }, { timeout: 5000 })).toBeInTheDocument();
  });

  it('says when the team has none', async () => {
    openAt('#/home', new FakeBackend());
    expect(await screen.findByText('No open improvement actions for your team.')).toBeInTheDocument();
  });
});

describe("an action's page", () => {
  it('shows the action, its dates and its updates newest first, in words', async () => {
    const backend = new FakeBackend();
    const id = backend.putAction(action({ review_overdue: true, review_on: '2026-12-03' }));
    openAt(hrefForAction(id), backend);

    await screen.findByRole('heading', { level: 2, name: 'Hotspot patrol hours per week at peak times' });
    expect(screen.getByRole('heading', { level: 1, name: 'Improvement action' })).toBeInTheDocument();
    expect(screen.getByTestId('action-status')).toHaveTextContent('On track');
    expect(screen.getByTestId('action-what')).toHaveTextContent('Two extra evening patrols a week on Camden High Street');
    expect(screen.getByTestId('action-sync-state')).toHaveTextContent('On HQ');
    const main = document.querySelector('main')!.textContent ?? '';
    expect(main).toContain('PC Daniel Price');
    expect(main).toContain('31 Jan 2027');
    expect(main).toContain('3 Dec 2026: review overdue');
    expect(main).toContain('By PS Helen Doyle on 1 Dec 2026');
    expect(main).toContain('4.5 against a target of 12, 1 Nov 2026 to 30 Nov 2026');
    const updates = within(screen.getByRole('list', { name: 'Updates' }))
      .getAllByRole('listitem')
      .map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(updates).toEqual([
      '4 Dec 2026, 22:30, PS Helen Doyle First extra patrol done; quiet night',
      '2 Dec 2026, 09:15, PC Daniel Price On track. Rota changed for December',
    ]);
    noDeveloperData();
  });

  it('adds an update offline, with on or off track, and shows it waiting for sync', async () => {
    const backend = new FakeBackend();
    backend.hqReachable = false;
    const id = backend.putAction(action());
    openAt(hrefForAction(id), backend);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Update'), '  One patrol short: two officers on a course ');
    await user.click(screen.getByRole('radio', { name: 'Off track' }));
    await user.click(screen.getByRole('button', { name: 'Add update' }));

    expect(await screen.findByTestId('action-update-saved')).toHaveTextContent('It goes to HQ at the next sync.');
    const [[sentId, update]] = backend.argsOf('addActionUpdate') as [[string, { note: string; progress: string | null; at?: string }]];
    expect(sentId).toBe(id);
    expect(update.note).toBe('One patrol short: two officers on a course');
    expect(update.progress).toBe('off_track');
    expect(screen.getByTestId('action-sync-state')).toHaveTextContent('Waiting for sync (1 update)');
    const newest = within(screen.getByRole('list', { name: 'Updates' })).getAllByRole('listitem')[0]!;
    expect(newest).toHaveTextContent('PC Amira Khan');
    expect(newest).toHaveTextContent('Off track. One patrol short: two officers on a course');
    expect(screen.getByLabelText('Update')).toHaveValue('');
    expect(screen.getByRole('radio', { name: 'No change' })).toBeChecked();
  });

  it('leaves the status as it was unless on or off track is chosen', async () => {
    const backend = new FakeBackend();
    const id = backend.putAction(action());
    openAt(hrefForAction(id), backend);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Update'), 'Spoke to the market traders');
    await user.click(screen.getByRole('button', { name: 'Add update' }));
    await screen.findByTestId('action-update-saved');
    expect(backend.argsOf('addActionUpdate')[0]![1].progress).toBeNull();
  });

  it("shows the device's refusal by the field, and keeps what was typed", async () => {
    const backend = new FakeBackend();
    const id = backend.putAction(action());
    backend.rejectOnce('addActionUpdate', {
      code: 'invalid',
      message: 'Some fields need attention before this can be saved.',
      fields: [{ field: 'note', code: 'required', message: 'The update is required' }],
    });
    openAt(hrefForAction(id), backend);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Update'), ' ');
    await user.click(screen.getByRole('radio', { name: 'On track' }));
    await user.click(screen.getByRole('button', { name: 'Add update' }));

    const problem = await screen.findByRole('alert');
    expect(problem).toHaveTextContent('The update is required');
    expect(screen.getByLabelText('Update')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('radio', { name: 'On track' })).toBeChecked();
    expect(screen.queryByTestId('action-update-saved')).toBeNull();
    noDeveloperData();

    // Corrected, it saves, and the field's problem goes.
    await user.type(screen.getByLabelText('Update'), 'Extra patrols started');
    await user.click(screen.getByRole('button', { name: 'Add update' }));
    await screen.findByTestId('action-update-saved');
    await waitFor(() => expect(screen.getByLabelText('Update')).not.toHaveAttribute('aria-invalid'));
  });

  it('takes no updates once closed at HQ', async () => {
    const backend = new FakeBackend();
    const id = backend.putAction(action({ status: 'done', status_words: 'Done', closed_on: '2026-12-06' }));
    openAt(hrefForAction(id), backend);
    await screen.findByRole('heading', { level: 2, name: 'Hotspot patrol hours per week at peak times' });
    expect(screen.getByTestId('action-status')).toHaveTextContent('Done');
    expect(document.querySelector('main')!.textContent).toContain('At HQ on 6 Dec 2026');
    expect(screen.queryByRole('form', { name: 'Add an update' })).toBeNull();
    expect(screen.getByText('This action was closed at HQ: it takes no more updates.')).toBeInTheDocument();
  });

  it('says so when the action is not on the device', async () => {
    openAt(hrefForAction('0190a0e0-0000-7000-8000-00000000dead'), new FakeBackend());
    expect(await screen.findByRole('alert')).toHaveTextContent('No improvement action');
  });
});
