import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { DpApi, RedactionItem, RedactionQueue } from '../dp-api';
import Redactions from './Redactions.svelte';

const item: RedactionItem = {
  request_id: '0193a8a4-7c2e-7d11-9b1a-cccccccccccc',
  reference: 'SAR-2026-0142',
  asked: 'name “Jordan Marsh”',
  record_id: '0193a8a4-7c2e-7d11-9b1a-dddddddddddd',
  kind: 'Source details',
  title: 'Member of the public',
  occurred_at: '2026-12-01T10:15:00Z',
  hits: [{ by: 'name', by_words: 'Name', place: 'Notes', excerpt: 'Shop owner who knows Jordan Marsh by sight' }],
  texts: [{ place: 'Name', text: 'Ada Quist' }],
  decision: null,
  decided_by: null,
  decided_at: null,
  exemption: null,
  reason: null,
  redacted_text: null,
};
const EXEMPTION = 'DPA s.45(4)(b): prejudice to the prevention or detection of crime';

function fakeApi(queue: RedactionQueue, over: Partial<DpApi> = {}): DpApi {
  return {
    search: vi.fn(),
    createRequest: vi.fn(),
    requests: vi.fn(async () => []),
    request: vi.fn(),
    packHtmlUrl: () => '',
    packJsonUrl: () => '',
    redactions: vi.fn(async () => queue),
    decide: vi.fn(async () => undefined),
    ...over,
  };
}

describe('Redactions', () => {
  it('withholds a source under an exemption, with a reason', async () => {
    const api = fakeApi({ waiting: [item], decided: [], exemptions: [EXEMPTION] });
    render(Redactions, { props: { api } });
    const user = userEvent.setup();
    expect(await screen.findByRole('heading', { name: /Source details: Member of the public/ })).toBeInTheDocument();
    expect(screen.getByText('“Shop owner who knows Jordan Marsh by sight”', { exact: false })).toBeInTheDocument();
    await user.click(screen.getByLabelText('Withhold under an exemption'));
    await user.selectOptions(screen.getByLabelText('Exemption'), EXEMPTION);
    await user.type(screen.getByLabelText('Reason'), 'It would identify the source');
    await user.click(screen.getByRole('button', { name: 'Record the decision' }));
    await waitFor(() =>
      expect(api.decide).toHaveBeenCalledWith({
        request_id: item.request_id,
        record_id: item.record_id,
        decision: 'withhold',
        exemption: EXEMPTION,
        reason: 'It would identify the source',
      }),
    );
    expect(await screen.findByRole('status')).toHaveTextContent('Decision recorded');
  });

  it('offers the matched text to redact, and shows HQ’s field errors', async () => {
    const api = fakeApi(
      { waiting: [item], decided: [], exemptions: [EXEMPTION] },
      {
        decide: vi.fn(async () => {
          throw new BackendError<string>({ code: 'invalid', message: 'Check the decision', fields: [{ field: 'reason', code: 'required', message: 'A reason is required' }] });
        }),
      },
    );
    render(Redactions, { props: { api } });
    const user = userEvent.setup();
    const text = await screen.findByLabelText('Text to disclose');
    expect(text).toHaveValue('Shop owner who knows Jordan Marsh by sight');
    await user.clear(text);
    // `[[` types one `[` (user-event reads `[` as a key name).
    await user.type(text, '[[redacted] knows Jordan Marsh by sight');
    await user.click(screen.getByRole('button', { name: 'Record the decision' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('A reason is required');
    expect(screen.getByLabelText('Text to disclose')).toHaveValue('[redacted] knows Jordan Marsh by sight');
  });
});
