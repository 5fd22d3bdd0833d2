import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { Area } from '$lib/bindings/Area';
import type { Officer } from '$lib/bindings/Officer';
import type { Team } from '$lib/bindings/Team';
import type { Audit, HqApi, HqErrorCode } from '../../api';
import { refusingApi } from '../../test-api';
import Admin from '../Admin.svelte';

const admin: Officer = { id: 'AD0001', collar_number: 'AD0001', name: 'Admin User', role: 'admin', teams: [] };
const walsh: Officer = { id: 'PC2290', collar_number: 'PC2290', name: 'PC Tom Walsh', role: 'officer', teams: ['camden-town-snt'] };
const team: Team = { id: 'camden-town-snt', name: 'Camden Town SNT', kind: 'snt', areas: ['E05013655'] };
const ward: Area = { id: 'E05013655', name: 'Camden Town', kind: 'ward', borough: 'Camden', ons_code: 'E05013655', town_centre_class: null, boundary: [[0, 0], [1, 0], [1, 1]], boundary_approximate: true };
const audit: Audit = {
  ops: [
    { received_at: '2026-12-06T21:44:05.703419768Z', author: 'PC2290', author_name: 'PC Tom Walsh (PC2290)', device_id: '0193a8a4-7c2e-7d11-9b1a-1f2e3d4c5b6a', device_name: 'Camden SNT tablet 3', device_seq: 1, record_id: '0193a8a4-7c2e-7d11-9b1a-aaaaaaaaaaaa', record: 'ASB nuisance: Bins set alight', kind: 'Concern', outcome: 'Saved' },
  ],
  access: [
    { at: '2026-12-06T21:50:00Z', officer_id: 'PS1102', officer_name: 'PS Helen Doyle (PS1102)', device_id: null, device_name: 'HQ dashboard', action: 'view', what: 'Opened', record_ids: ['0193a8a4-7c2e-7d11-9b1a-aaaaaaaaaaaa'], records: ['ASB nuisance: Bins set alight'], detail: 'HQ record view', purpose: 'Investigation: CAD 1234' },
  ],
  admin: [
    { at: '2026-12-06T21:52:00Z', officer_id: 'AD0001', officer_name: 'Admin User (AD0001)', action: 'device_revoked', what: 'Device revoked', detail: 'Revoked the tablet “Camden SNT tablet 3”: it is refused and wipes itself at its next contact.' },
    { at: '2026-12-06T21:40:00Z', officer_id: null, officer_name: 'HQ', action: 'sign_in_failed', what: 'Failed sign-in', detail: 'Failed sign-in at the HQ dashboard: unknown collar number.' },
  ],
};

function fakeApi(over: Partial<HqApi> = {}): HqApi {
  return refusingApi({
    me: async () => admin,
    teams: async () => [team],
    areas: async () => [ward],
    officers: async () => [admin, walsh],
    audit: async () => audit,
    ...over,
  });
}

describe('Administration', () => {
  it('asks before a role change, naming the officer and both roles, and changes nothing on "keep"', async () => {
    const api = fakeApi();
    render(Admin, { props: { api, self: admin } });
    const user = userEvent.setup();
    const picker = await screen.findByRole('combobox', { name: 'Role of PC Tom Walsh' });
    expect(screen.getByRole('row', { name: /PC Tom Walsh/ })).toHaveTextContent('Camden Town SNT');

    await user.selectOptions(picker, 'Supervisor');
    let dialog = await screen.findByRole('dialog', { name: "Change PC Tom Walsh's role?" });
    expect(dialog).toHaveTextContent('From Officer to Supervisor');
    await user.click(within(dialog).getByRole('button', { name: 'Keep Officer' }));
    expect(api.putOfficer).not.toHaveBeenCalled();
    expect(picker).toHaveValue('officer');

    await user.selectOptions(picker, 'Intelligence unit');
    dialog = await screen.findByRole('dialog', { name: "Change PC Tom Walsh's role?" });
    await user.click(within(dialog).getByRole('button', { name: 'Change to Intelligence unit' }));
    expect(api.putOfficer).toHaveBeenCalledWith({ ...walsh, role: 'intelligence_unit' });
    expect(await screen.findByText('PC Tom Walsh is now an intelligence unit.')).toBeInTheDocument();
  });

  it('disables a leaver only after asking, and enables them again', async () => {
    let off: Record<string, string> = {};
    const setOfficerDisabled = vi.fn(async (id: string, disabled: boolean) => {
      const at = '2026-12-07T10:00:00Z';
      off = disabled ? { ...off, [id]: at } : {};
      return disabled ? { officer_id: id, disabled_at: at } : { officer_id: id };
    });
    const api = fakeApi({
      disabledOfficers: async () => Object.entries(off).map(([officer_id, disabled_at]) => ({ officer_id, disabled_at })),
      setOfficerDisabled,
    });
    render(Admin, { props: { api, self: admin } });
    const user = userEvent.setup();
    // No button to disable yourself.
    await screen.findByRole('button', { name: 'Disable PC Tom Walsh' });
    expect(screen.queryByRole('button', { name: `Disable ${admin.name}` })).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Disable PC Tom Walsh' }));
    let dialog = await screen.findByRole('dialog', { name: 'Disable PC Tom Walsh?' });
    expect(dialog).toHaveTextContent('every session of theirs ends at once');
    await user.click(within(dialog).getByRole('button', { name: 'Keep PC Tom Walsh' }));
    expect(setOfficerDisabled).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Disable PC Tom Walsh' }));
    dialog = await screen.findByRole('dialog', { name: 'Disable PC Tom Walsh?' });
    await user.click(within(dialog).getByRole('button', { name: 'Disable PC Tom Walsh' }));
    expect(setOfficerDisabled).toHaveBeenCalledWith(walsh.id, true);
    expect(await screen.findByText(/PC Tom Walsh is disabled/)).toBeInTheDocument();
    await user.click(await screen.findByRole('button', { name: 'Enable PC Tom Walsh' }));
    expect(setOfficerDisabled).toHaveBeenLastCalledWith(walsh.id, false);
    expect(await screen.findByText('PC Tom Walsh may sign in again.')).toBeInTheDocument();
  });

  it('offers every role by name, the records manager and the committee member among them', async () => {
    render(Admin, { props: { api: fakeApi(), self: admin } });
    const picker = await screen.findByRole('combobox', { name: 'Role of PC Tom Walsh' });
    const names = within(picker).getAllByRole('option').map((o) => o.textContent);
    expect(names).toEqual([
      'Officer',
      'Supervisor',
      'Intelligence unit',
      'Analyst',
      'Administrator',
      'Records manager',
      'Committee member',
      'Data protection officer',
      'Force-wide reader',
    ]);
  });

  it('shows the audit trail with names, titles and dates, never ids or ISO times', async () => {
    render(Admin, { props: { api: fakeApi(), self: admin } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Search' }));
    const writes = await screen.findByRole('table', { name: 'Writes' });
    expect(writes).toHaveTextContent('PC Tom Walsh (PC2290)');
    expect(writes).toHaveTextContent('Camden SNT tablet 3');
    expect(writes).toHaveTextContent('ASB nuisance: Bins set alight');
    expect(writes).toHaveTextContent('6 Dec 2026, 21:44');
    const reads = screen.getByRole('table', { name: 'Reads' });
    expect(reads).toHaveTextContent('PS Helen Doyle (PS1102)');
    expect(reads).toHaveTextContent('Opened');
    const text = document.body.textContent ?? '';
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(text).not.toMatch(/[{}[\]"]/);
  });

  it('shows each read’s purpose and the admin log, searchable by words', async () => {
    const search = vi.fn(async () => audit);
    render(Admin, { props: { api: fakeApi({ audit: search }), self: admin } });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Words in the admin log'), 'revoked');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    const reads = await screen.findByRole('table', { name: 'Reads' });
    expect(reads).toHaveTextContent('Investigation: CAD 1234');
    const events = screen.getByRole('table', { name: 'Administration and security' });
    expect(within(events).getAllByRole('row')).toHaveLength(3);
    expect(events).toHaveTextContent('Admin User (AD0001)');
    expect(events).toHaveTextContent('Device revoked');
    expect(events).toHaveTextContent('Revoked the tablet “Camden SNT tablet 3”');
    expect(events).toHaveTextContent('6 Dec 2026, 21:40');
    expect(events).toHaveTextContent('HQ');
    expect(search).toHaveBeenCalledWith(expect.objectContaining({ text: 'revoked' }));
    expect(screen.getByRole('heading', { name: /admin log\): 2 events/ })).toBeInTheDocument();
  });

  it('says in words which hash chain breaks and why', async () => {
    const verifyChains = vi.fn(async () => [
      { chain: 'Op log of the tablet “Camden SNT tablet 3”', device: '0193a8a4-7c2e-7d11-9b1a-1f2e3d4c5b6a', ops: 12, ok: true, broken_at: null, words: '12 changes, intact.' },
      { chain: 'Access log', device: null, ops: 40, ok: false, broken_at: 17, words: 'BROKEN: entry 17 (6 Dec 2026, 21:44) was changed after it was written.' },
      { chain: 'Admin log', device: null, ops: 5, ok: true, broken_at: null, words: '5 entries, intact.' },
    ]);
    render(Admin, { props: { api: fakeApi({ verifyChains }), self: admin } });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Verify hash chains' }));
    expect(await screen.findByRole('status')).toHaveTextContent('1 chain does not verify: Access log.');
    const table = screen.getByRole('table', { name: 'Hash chains' });
    expect(within(table).getByRole('row', { name: /Access log/ })).toHaveTextContent('BROKEN: entry 17 (6 Dec 2026, 21:44) was changed after it was written.');
    expect(table).toHaveTextContent('5 entries, intact.');
    expect(table.textContent ?? '').not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
  });

  it('keeps what was typed when HQ refuses an area, and says why', async () => {
    const addArea = vi.fn(() => Promise.reject(new BackendError<HqErrorCode>({ code: 'bad_request', message: 'The boundary is not closed: GeoJSON repeats the first point as the last one.' })));
    render(Admin, { props: { api: fakeApi({ addArea }), self: admin } });
    const user = userEvent.setup();
    await user.click(await screen.findByText('Add an area'));
    const form = screen.getByRole('form', { name: 'Add an area' });
    await user.type(within(form).getByLabelText('Name'), 'Primrose Hill');
    await user.type(within(form).getByLabelText('Borough'), 'Camden');
    await user.click(within(form).getByLabelText(/Boundary \(GeoJSON\)/));
    await user.paste('{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}');
    await user.click(within(form).getByRole('button', { name: 'Add area' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('The boundary is not closed');
    expect(within(form).getByLabelText('Name')).toHaveValue('Primrose Hill');
    expect(addArea).toHaveBeenCalledWith(expect.objectContaining({ name: 'Primrose Hill', kind: 'ward', borough: 'Camden' }));
  });
});
