import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { demoBackend } from '$lib/backend/demo';
import { DEMO_AREAS } from '$lib/backend/demo-areas';
import { FakeBackend } from '$lib/backend/fake';
import type { NewMeeting } from '$lib/bindings/NewMeeting';
import { reference } from '$lib/format';
import App from '../App.svelte';

beforeEach(() => {
  history.replaceState(null, '', '#/meetings');
  localStorage.clear();
});

function renderMeetings(backend: FakeBackend) {
  render(App, { props: { backend } });
  return backend;
}

/** The meetings the page asked the device to save, in order. */
const sent = (backend: FakeBackend): NewMeeting[] => backend.argsOf('createRecord').map(([input]) => input.record as NewMeeting);

const ID = /[0-9a-f]{8}-[0-9a-f]{4}-|E0\d{7}|tc-[a-z-]+|\d{4}-\d{2}-\d{2}/;

async function fillMeeting(user: ReturnType<typeof userEvent.setup>) {
  await screen.findByRole('heading', { level: 1, name: 'Meetings and priorities' });
  await user.type(screen.getByLabelText('Attending: residents'), '{Backspace}14');
  await user.type(screen.getByLabelText('Issue 1'), 'Cycle theft');
  await user.type(screen.getByLabelText('Votes for issue 1'), '{Backspace}4');
  await user.click(screen.getByRole('button', { name: 'Add an issue' }));
  await user.type(screen.getByLabelText('Issue 2'), 'Street drinking');
  await user.type(screen.getByLabelText('Votes for issue 2'), '{Backspace}9');
  await user.click(screen.getByRole('button', { name: 'Add an issue' }));
  await user.type(screen.getByLabelText('Issue 3'), 'Litter');
  await user.click(screen.getByRole('button', { name: 'Add an issue' }));
  await user.type(screen.getByLabelText('Issue 4'), 'Noise');
  await user.type(screen.getByLabelText('Votes for issue 4'), '{Backspace}4');
  await user.click(screen.getByRole('button', { name: 'Add an issue' }));
  await user.type(screen.getByLabelText('Issue 5'), 'Parking');
  await user.type(screen.getByLabelText('Votes for issue 5'), '{Backspace}1');
}

// Typing whole meetings takes a while on a busy machine.
const SLOW = { timeout: 30_000 };

describe('recording a ward panel meeting', SLOW, () => {
  it("defaults to one of the officer's own areas, lists theirs first and says ward or town centre", async () => {
    renderMeetings(new FakeBackend({ areas: DEMO_AREAS }));
    const select = await screen.findByLabelText('Meeting area');
    // PC4127 works in Camden Town and Kentish Town town centres: never Dalston.
    await waitFor(() => expect((select as HTMLSelectElement).value).toBe('tc-camden-town'));
    const labels = within(select).getAllByRole('option').map((o) => o.textContent);
    expect(labels.slice(0, 4)).toEqual(['Camden Town (town centre)', 'Kentish Town (town centre)', 'Camden Square (ward)', 'Camden Town (ward)']);
    expect(labels).toContain('Dalston (ward)');
    expect(labels).toContain('Dalston (town centre)');
  });

  it('proposes the three issues with most votes, which the officer confirms, and saves the votes with the issues', async () => {
    const backend = renderMeetings(new FakeBackend({ areas: DEMO_AREAS }));
    const user = userEvent.setup();
    await fillMeeting(user);
    expect(screen.getByTestId('proposed-priorities')).toHaveTextContent('Street drinking; Cycle theft; Noise');
    expect(screen.getByLabelText('Priorities agreed')).toHaveValue('');
    await user.click(screen.getByRole('button', { name: 'Agree the proposed priorities' }));
    expect(screen.getByLabelText('Priorities agreed')).toHaveValue('Street drinking\nCycle theft\nNoise');
    await user.click(screen.getByRole('button', { name: 'Save meeting' }));
    await screen.findByTestId('meeting-saved');
    expect(backend.argsOf('createRecord')[0]![0].kind).toBe('meeting');
    expect(sent(backend)[0]).toMatchObject({
      area_id: 'tc-camden-town',
      attendance: [{ role: 'resident', count: 14 }],
      issues_raised: ['Cycle theft', 'Street drinking', 'Litter', 'Noise', 'Parking'],
      votes: [
        { title: 'Cycle theft', votes: 4 },
        { title: 'Street drinking', votes: 9 },
        { title: 'Noise', votes: 4 },
        { title: 'Parking', votes: 1 },
      ],
      agreed_priorities: ['Street drinking', 'Cycle theft', 'Noise'],
    });
  });

  it('saves once however often Save is tapped, then shows the saved meeting with its reference', async () => {
    const backend = new FakeBackend({ areas: DEMO_AREAS });
    let finish: (id: string) => void = () => undefined;
    backend.answerOnce('createRecord', () => new Promise<string>((resolve) => (finish = resolve)));
    renderMeetings(backend);
    const user = userEvent.setup();
    await fillMeeting(user);
    await user.type(screen.getByLabelText('Priorities agreed'), 'Street drinking');
    const save = screen.getByRole('button', { name: 'Save meeting' });
    await user.click(save);
    await user.click(save);
    expect(save).toBeDisabled();
    const first = sent(backend)[0]!.id!;
    finish(first);
    const saved = await screen.findByTestId('meeting-saved');
    expect(backend.argsOf('createRecord')).toHaveLength(1);
    expect(saved).toHaveTextContent(`Meeting saved`);
    expect(saved).toHaveTextContent(`Reference ${reference(first)}, with 1 priority on the board.`);
    // The form has gone: nothing left to tap twice. Another meeting is a new form, with a new id.
    expect(screen.queryByRole('button', { name: 'Save meeting' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Record another meeting' }));
    expect(screen.getByLabelText('Issue 1')).toHaveValue('');
    await user.type(screen.getByLabelText('Attending: residents'), '{Backspace}3');
    await user.click(screen.getByRole('button', { name: 'Save meeting' }));
    await screen.findByTestId('meeting-saved');
    const ids = sent(backend).map((m) => m.id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('keeps the form and its record id when the device refuses the save', async () => {
    const backend = new FakeBackend({ areas: DEMO_AREAS });
    backend.rejectOnce('createRecord', {
      code: 'invalid',
      message: 'The meeting was not saved: check the fields marked.',
      fields: [{ field: 'attendance', code: 'required', message: 'record attendance by role or as a head count' }],
    });
    renderMeetings(backend);
    const user = userEvent.setup();
    await screen.findByLabelText('Issue 1');
    await user.type(screen.getByLabelText('Issue 1'), 'Noise');
    await user.click(screen.getByRole('button', { name: 'Save meeting' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('record attendance by role or as a head count');
    expect(screen.getByLabelText('Issue 1')).toHaveValue('Noise');
    await user.type(screen.getByLabelText('Head count'), '12');
    await user.click(screen.getByRole('button', { name: 'Save meeting' }));
    await screen.findByTestId('meeting-saved');
    const ids = sent(backend).map((m) => m.id);
    expect(ids[0]).toBe(ids[1]);
  });
});

describe('saved meetings', SLOW, () => {
  it('lists the meetings on the device and edits one through the record update', async () => {
    const backend = renderMeetings(demoBackend('unlocked'));
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Saved meetings' }));
    const list = await screen.findByRole('list', { name: 'Saved meetings' });
    expect(list).toHaveTextContent('Ward panel, 15 Sept 2026');
    expect(list).toHaveTextContent('Camden Town (ward)');
    expect(list).toHaveTextContent('20 people attended · 3 issues raised · 1 priority agreed · Reference');
    expect(list.textContent).not.toMatch(ID);
    await user.click(within(list).getByRole('button', { name: 'Edit the meeting of 15 Sept 2026, Camden Town (ward)' }));
    expect(screen.getByLabelText('Issue 1')).toHaveValue('Cycle theft at the station');
    expect(screen.getByLabelText('Votes for issue 1')).toHaveValue(11);
    expect(screen.getByRole('region', { name: 'Priorities agreed' })).toHaveTextContent('Cycle theft at the station');
    await user.clear(screen.getByLabelText('Venue'));
    await user.type(screen.getByLabelText('Venue'), 'Camden Centre');
    await user.type(screen.getByLabelText('Votes for issue 3'), '{Backspace}5');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByTestId('meeting-saved')).toHaveTextContent('Changes saved');
    expect(backend.argsOf('updateRecord')[0]![1]).toMatchObject({
      kind: 'meeting',
      record: {
        venue: 'Camden Centre',
        held_on: '2026-09-15',
        review_date: '2026-12-15',
        agreed_priorities: ['Cycle theft at the station'],
        votes: [
          { title: 'Cycle theft at the station', votes: 11 },
          { title: 'Noise from late venues', votes: 6 },
          { title: 'Litter on the high street', votes: 5 },
        ],
      },
    });
  });
});

describe('priorities', SLOW, () => {
  it('shows on Home the priorities of the areas the officer works in and of meetings on the device', async () => {
    history.replaceState(null, '', '#/home');
    render(App, { props: { backend: demoBackend('unlocked') } });
    const home = await screen.findByTestId('home-priorities');
    await waitFor(() => expect(home).toHaveTextContent('Street drinking by the station'));
    expect(home).toHaveTextContent('Camden Town (town centre) · Active · Agreed on 14 Jul 2026 · Review overdue (due 14 Oct 2026)');
    expect(home).toHaveTextContent('Cycle theft at the station');
    expect(home).toHaveTextContent('Camden Town (ward) · Active · Agreed at the meeting on 15 Sept 2026');
    expect(home.textContent).not.toMatch(ID);
  });

  it('shows a meeting agreed on this tablet on Home', async () => {
    const backend = demoBackend('unlocked');
    render(App, { props: { backend } });
    const user = userEvent.setup();
    await screen.findByLabelText('Issue 1');
    await waitFor(() => expect((screen.getByLabelText('Meeting area') as HTMLSelectElement).value).toBe('tc-camden-town'));
    await user.selectOptions(screen.getByLabelText('Meeting area'), 'E05009370');
    await user.type(screen.getByLabelText('Head count'), '9');
    await user.type(screen.getByLabelText('Priorities agreed'), 'Moped enabled robbery');
    await user.click(screen.getByRole('button', { name: 'Save meeting' }));
    await screen.findByTestId('meeting-saved');
    await user.click(screen.getByRole('link', { name: 'Home' }));
    const home = await screen.findByTestId('home-priorities');
    await waitFor(() => expect(home).toHaveTextContent('Moped enabled robbery'));
    expect(home).toHaveTextContent('Dalston (ward) · Active · Agreed at the meeting on');
  });

  it('"You said, we did" shows a ward\'s issues with their votes and what was done, in words', async () => {
    const backend = demoBackend('unlocked');
    render(App, { props: { backend } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Priorities board' }));
    await user.click(await screen.findByRole('button', { name: 'Add "You said, we did" to Cycle theft at the station' }));
    await user.type(screen.getByLabelText('You said'), 'Bikes stolen from the station racks');
    await user.type(screen.getByLabelText('We did'), 'Marked 60 bikes and patrolled the racks at rush hour');
    await user.click(screen.getByRole('button', { name: 'Save update' }));
    await waitFor(() => expect(backend.argsOf('addPriorityUpdate')).toHaveLength(1));

    await user.click(screen.getByRole('button', { name: 'You said, we did' }));
    await user.selectOptions(await screen.findByLabelText('Show for'), 'E05013655');
    const view = await screen.findByTestId('you-said-we-did');
    await waitFor(() => expect(view).toHaveTextContent('Marked 60 bikes'));
    expect(view).toHaveTextContent('You said, we did: Camden Town');
    expect(view).toHaveTextContent('At the meeting on 15 Sept 2026');
    expect(view).toHaveTextContent('Cycle theft at the station (11 votes)');
    expect(view).toHaveTextContent('Noise from late venues (6 votes)');
    expect(view).toHaveTextContent('Cycle theft at the station: We are working on it');
    expect(view.textContent).not.toMatch(ID);
  });
});
