import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '$lib/backend';
import { currentPurpose, dropPurpose, holdPurpose } from '../purpose';
import type { DpRecord as Dp, RectifyApi } from '../rectify-api';
import { correctedValue } from '../rectify-api';
import DpRecord from './DpRecord.svelte';

const ID = '0190f3a2-7c1e-7000-8000-000000000042';

function dp(over: Partial<Dp> = {}): Dp {
  return {
    summary: { id: ID, kind: 'concern', title: 'Street drinking near Camden Town station', status: 'open', occurred_at: '2026-12-01T20:15:00Z', areas: ['E05013655'], conflicts: [], pending_ops: 0, body: {} },
    kind: 'Concern',
    created_by_name: 'PC Amira Khan (PC4127)',
    created_at: '2026-12-01T20:15:00Z',
    updated_at: '2026-12-02T09:30:00Z',
    fields: [
      { name: 'contact', label: 'Contact', shown: '07700 900123', value: '07700 900123', correctable: true },
      { name: 'consent_to_contact', label: 'Consent to contact', shown: 'Yes', value: true, correctable: true },
      { name: 'areas', label: 'Areas', shown: 'E05013655', value: ['E05013655'], correctable: false },
      { name: 'people', label: 'People', shown: 'Name: John Smyth, Role: witness', value: [{ role: 'witness', name: 'John Smyth', description: null, statements: [] }], correctable: true },
    ],
    texts: [
      {
        name: 'description',
        label: 'Description',
        current: 'A man shouts at passers-by at night',
        conflict: false,
        superseded: [
          { at: '2026-12-01T21:00:00Z', text: 'John Smyth shouts at passers-by at night' },
          { at: '2026-12-01T20:15:00Z', text: 'John Smyth shouts at passers-by' },
        ],
        removed: 0,
      },
    ],
    restriction: null,
    log: [],
    history: [{ at: '2026-12-01T20:15:00Z', received_at: '2026-12-01T20:16:00Z', by: 'PC4127', by_name: 'PC Amira Khan (PC4127)', what: 'Created' }],
    ...over,
  } as Dp;
}

function fakeApi(over: Partial<RectifyApi> = {}): RectifyApi {
  return {
    record: vi.fn(async () => dp()),
    rectify: vi.fn(async () => dp()),
    restrict: vi.fn(async () => dp()),
    lift: vi.fn(async () => dp()),
    ...over,
  };
}

/** Every id, ISO date, code or piece of JSON a page must never show. */
function expectOnlyWords() {
  const text = document.body.textContent ?? '';
  expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
  expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  expect(text).not.toMatch(/[{}[\]"]|null|undefined/);
}

const refusedNote = new BackendError<string>({ code: 'bad_request', message: 'A note saying why is required', fields: [{ field: 'note', code: 'required', message: 'a note saying why is required' }] });

describe('The data protection officer’s record', () => {
  beforeEach(() => {
    holdPurpose({ code: 'subject_access', reference: 'SAR-2026-014', note: '' }, 'Subject access request SAR-2026-014', 60);
  });
  afterEach(() => {
    cleanup();
    dropPurpose();
  });

  it('shows the record, its texts with their earlier versions and its details in words', async () => {
    const api = fakeApi();
    render(DpRecord, { props: { id: ID, api } });
    expect(await screen.findByRole('heading', { name: 'Concern: Street drinking near Camden Town station' })).toBeInTheDocument();
    expect(screen.getByText(/Made by PC Amira Khan \(PC4127\) on 1 Dec 2026, 20:15/)).toBeInTheDocument();
    const text = screen.getByRole('article', { name: 'Description' });
    expect(text).toHaveTextContent('A man shouts at passers-by at night');
    expect(text).toHaveTextContent('2 earlier versions kept');
    expect(screen.getByText('07700 900123')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Correct Areas' })).toBeNull();
    expect(screen.getByText(/Not restricted/)).toBeInTheDocument();
    expectOnlyWords();
    expect(api.record).toHaveBeenCalledWith(ID);
  });

  it('removes a text’s earlier versions with a note, showing HQ’s refusal by the note', async () => {
    const rectify = vi.fn().mockRejectedValueOnce(refusedNote).mockResolvedValueOnce(dp({ texts: [{ ...dp().texts[0]!, superseded: [], removed: 2 }] }));
    render(DpRecord, { props: { id: ID, api: fakeApi({ rectify }) } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Remove the earlier versions' }));
    const form = screen.getByRole('form', { name: 'Remove the earlier versions of Description' });
    await user.click(within(form).getByRole('button', { name: 'Remove them' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('A note saying why is required.');
    await user.type(within(form).getByLabelText(/Note: why it is corrected/), 'The subject is not the man described');
    await user.click(within(form).getByRole('button', { name: 'Remove them' }));
    await waitFor(() => expect(rectify).toHaveBeenCalledTimes(2));
    expect(rectify).toHaveBeenLastCalledWith(ID, { field: 'description', value: undefined, remove_superseded: true, note: 'The subject is not the man described' });
    expect(await screen.findByRole('status')).toHaveTextContent('The earlier versions of description were removed.');
    expect(screen.getByRole('article', { name: 'Description' })).toHaveTextContent('2 earlier versions removed.');
  });

  it('corrects a plain field and a person’s name, keeping the rest of the entry', async () => {
    const rectify = vi.fn(async () => dp());
    render(DpRecord, { props: { id: ID, api: fakeApi({ rectify }) } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Correct Contact' }));
    const form = screen.getByRole('form', { name: 'Correct Contact' });
    const box = within(form).getByLabelText('Corrected contact');
    await user.clear(box);
    await user.type(box, '07700 900456');
    await user.type(within(form).getByLabelText(/Note: why it is corrected/), 'Taken down wrongly');
    await user.click(within(form).getByRole('button', { name: 'Save the correction' }));
    await waitFor(() => expect(rectify).toHaveBeenCalledWith(ID, { field: 'contact', value: '07700 900456', remove_superseded: false, note: 'Taken down wrongly' }));

    await user.click(await screen.findByRole('button', { name: 'Correct People' }));
    const people = screen.getByRole('form', { name: 'Correct People' });
    const name = within(people).getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'John Smith');
    await user.type(within(people).getByLabelText(/Note: why it is corrected/), 'Misspelt');
    await user.click(within(people).getByRole('button', { name: 'Save the correction' }));
    await waitFor(() => expect(rectify).toHaveBeenLastCalledWith(ID, { field: 'people', value: [{ role: 'witness', name: 'John Smith', description: null, statements: [] }], remove_superseded: false, note: 'Misspelt' }));
  });

  it('restricts with a reason and lifts with a note, saying what follows', async () => {
    const restricted = dp({ restriction: { reason: 'The subject contests its accuracy', by_name: 'Fiona Mensah (DP0001)', at: '2026-12-07T11:00:00Z' } });
    const restrict = vi.fn(async () => restricted);
    const lift = vi.fn(async () => dp());
    render(DpRecord, { props: { id: ID, api: fakeApi({ restrict, lift }) } });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/Reason for the restriction/), 'The subject contests its accuracy');
    await user.click(screen.getByRole('button', { name: 'Restrict' }));
    expect(restrict).toHaveBeenCalledWith(ID, 'The subject contests its accuracy');
    expect(await screen.findByRole('note')).toHaveTextContent('Restricted since 7 Dec 2026, 11:00 by Fiona Mensah (DP0001): The subject contests its accuracy.');
    expect(screen.getByRole('status')).toHaveTextContent('nobody else sees it and tablets drop it');
    expectOnlyWords();
    await user.type(screen.getByLabelText('Why the restriction is lifted'), 'Accuracy confirmed');
    await user.click(screen.getByRole('button', { name: 'Lift the restriction' }));
    expect(lift).toHaveBeenCalledWith(ID, 'Accuracy confirmed');
    expect(await screen.findByRole('status')).toHaveTextContent('The restriction is lifted');
  });

  it('asks for the subject access request when no purpose is held, or HQ refuses the one held', async () => {
    dropPurpose();
    const record = vi.fn().mockRejectedValueOnce(new BackendError<string>({ code: 'purpose_required', message: 'give a purpose' })).mockResolvedValue(dp());
    render(DpRecord, { props: { id: ID, api: fakeApi({ record }) } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Open the record' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Give the reference of the subject access request.');
    await user.type(screen.getByLabelText(/Request reference/), 'SAR-2026-014');
    await user.click(screen.getByRole('button', { name: 'Open the record' }));
    // HQ refused it (say, it ran out): asked again, then opened.
    await waitFor(() => expect(record).toHaveBeenCalledTimes(1));
    expect(await screen.findByLabelText(/Request reference/)).toHaveValue('SAR-2026-014');
    await user.click(screen.getByRole('button', { name: 'Open the record' }));
    expect(await screen.findByRole('heading', { name: /Concern:/ })).toBeInTheDocument();
    expect(currentPurpose()?.words).toBe('Subject access request SAR-2026-014');
  });

  it('shows HQ’s refusal of a source in words', async () => {
    const record = vi.fn().mockRejectedValue(new BackendError<string>({ code: 'forbidden', message: 'this record is an intelligence source or intelligence not yet shared: the intelligence unit reviews it' }));
    render(DpRecord, { props: { id: ID, api: fakeApi({ record }) } });
    expect(await screen.findByRole('alert')).toHaveTextContent('the intelligence unit reviews it');
  });
});

describe('correctedValue', () => {
  it('keeps the field’s type, and says when the words cannot be read as it', () => {
    expect(correctedValue('x', ' 07700 ')).toBe('07700');
    expect(correctedValue('x', '  ')).toBeNull();
    expect(correctedValue(3, '4')).toBe(4);
    expect(correctedValue(3, 'four')).toBeUndefined();
    expect(correctedValue(true, 'No')).toBe(false);
    expect(correctedValue(true, 'maybe')).toBeUndefined();
  });
});
