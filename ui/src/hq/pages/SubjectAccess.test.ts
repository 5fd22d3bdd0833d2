import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { DpApi, SubjectRequestView, SubjectResults } from '../dp-api';
import { searchQuery } from '../dp-api';
import { currentPurpose, dropPurpose } from '../purpose';
import SubjectAccess from './SubjectAccess.svelte';

const results: SubjectResults = {
  asked: 'name “Jordan Marsh”',
  results: [
    {
      id: '0193a8a4-7c2e-7d11-9b1a-aaaaaaaaaaaa',
      withheld: false,
      kind: 'Concern',
      title: 'ASB nuisance: Shouting at shoppers',
      occurred_at: '2026-12-01T10:15:00Z',
      hits: [{ by: 'name', by_words: 'Name', place: 'People 1: name', excerpt: 'Jordan Marsh' }],
      note: null,
    },
    { id: null, withheld: true, kind: 'Intelligence', title: null, occurred_at: null, hits: [], note: "Withheld for the intelligence unit's review" },
  ],
  total: 2,
  shown: 1,
  withheld: 1,
  page: 1,
  pages: 1,
  capped: false,
  cap: 500,
};

const view: SubjectRequestView = {
  id: '0193a8a4-7c2e-7d11-9b1a-cccccccccccc',
  reference: 'SAR-2026-0142',
  asked: 'name “Jordan Marsh”',
  made_by: 'Fiona Mensah (DP0001)',
  made_at: '2026-12-07T11:00:00Z',
  shown: 1,
  withheld: 1,
  waiting: 1,
  purpose: 'Subject access request SAR-2026-0142',
  records: [results.results[0]!],
  withheld_items: [
    { item: 2, decision: "Waiting for the intelligence unit's review", decided: false, disclosed_text: null, exemption: null, reason: null, decided_by: null, decided_at: null },
  ],
  no_longer_held: 0,
};

function fakeApi(over: Partial<DpApi> = {}): DpApi {
  return {
    search: vi.fn(async () => results),
    createRequest: vi.fn(async () => view),
    requests: vi.fn(async () => []),
    request: vi.fn(async () => view),
    packHtmlUrl: (id) => `/pack/${id}.html`,
    packJsonUrl: (id) => `/pack/${id}.json`,
    redactions: vi.fn(async () => ({ waiting: [], decided: [], exemptions: [] })),
    decide: vi.fn(async () => undefined),
    ...over,
  };
}

afterEach(() => dropPurpose());

describe('SubjectAccess', () => {
  it('asks for the request reference before searching, then holds it as the purpose', async () => {
    const api = fakeApi();
    render(SubjectAccess, { props: { api } });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Name'), 'Jordan Marsh');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Give the reference of the subject access request first');
    expect(api.search).not.toHaveBeenCalled();

    await user.type(screen.getByLabelText('Request reference'), 'SAR-2026-0142');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(api.search).toHaveBeenCalledWith({ name: 'Jordan Marsh' }, 1));
    expect(currentPurpose()).toMatchObject({ code: 'subject_access', reference: 'SAR-2026-0142', words: 'Subject access request SAR-2026-0142' });
    expect(screen.getByText('Purpose: Subject access request SAR-2026-0142')).toBeInTheDocument();
    // A shown record links to its page; a withheld one says only that it is withheld.
    const link = await screen.findByRole('link', { name: 'Concern: ASB nuisance: Shouting at shoppers' });
    expect(link).toHaveAttribute('href', '#/data-protection/record/0193a8a4-7c2e-7d11-9b1a-aaaaaaaaaaaa');
    expect(screen.getByText("Intelligence: Withheld for the intelligence unit's review")).toBeInTheDocument();
    // What matched, and where.
    expect(screen.getByText('in People 1: name: “Jordan Marsh”', { exact: false })).toBeInTheDocument();
  });

  it('makes the request and links its pack', async () => {
    const api = fakeApi();
    render(SubjectAccess, { props: { api } });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Request reference'), 'SAR-2026-0142');
    await user.type(screen.getByLabelText('Name'), 'Jordan Marsh');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await user.click(await screen.findByRole('button', { name: 'Make request SAR-2026-0142 from this search' }));
    expect(api.createRequest).toHaveBeenCalledWith({ reference: 'SAR-2026-0142', query: { name: 'Jordan Marsh' } });
    expect(await screen.findByRole('heading', { name: 'Request SAR-2026-0142' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open the pack to print' })).toHaveAttribute('href', `/pack/${view.id}.html`);
    expect(screen.getByText("Waiting for the intelligence unit's review")).toBeInTheDocument();
    expect(screen.getByText('Made by Fiona Mensah (DP0001) on 7 Dec 2026, 11:00', { exact: false })).toBeInTheDocument();
  });

  it('shows HQ’s field errors', async () => {
    const api = fakeApi({
      search: vi.fn(async () => {
        throw new BackendError<string>({ code: 'invalid', message: 'Check the search', fields: [{ field: 'name', code: 'too_short', message: 'give at least one whole part of the name (two letters or more)' }] });
      }),
    });
    render(SubjectAccess, { props: { api } });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Request reference'), 'SAR-1');
    await user.type(screen.getByLabelText('Name'), 'J');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('give at least one whole part of the name');
    // Nothing typed is lost.
    expect(screen.getByLabelText('Name')).toHaveValue('J');
  });

  it('sends only what was given', () => {
    expect(searchQuery({ name: ' Jordan ', phone: '', email: undefined as unknown as string }, 2)).toBe('name=Jordan&page=2');
  });
});
