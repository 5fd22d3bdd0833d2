import { vi } from 'vitest';
import { BackendError } from '$lib/backend';
import type { HqApi, HqErrorCode } from './api';

/**
 * A test double of HQ's API for one page's tests: lists answer empty, everything else is refused
 * as forbidden; a test passes what its page needs in `over`.
 */
export function refusingApi(over: Partial<HqApi> = {}): HqApi {
  const refuse = () => Promise.reject(new BackendError<HqErrorCode>({ code: 'forbidden', message: 'no' }));
  return {
    me: refuse,
    signIn: refuse,
    signOut: async () => {},
    board: refuse,
    cell: refuse,
    trend: refuse,
    overlaps: refuse,
    teamOfficers: refuse,
    boardCsvUrl: () => '',
    putTarget: refuse,
    queue: refuse,
    report: refuse,
    grade: refuse,
    disseminate: refuse,
    teams: async () => [],
    areas: async () => [],
    officers: async () => [],
    putOfficer: vi.fn(async () => {}),
    addOfficer: refuse,
    disabledOfficers: async () => [],
    setOfficerDisabled: refuse,
    addTeam: refuse,
    addArea: refuse,
    devices: async () => [],
    revoke: refuse,
    enrolmentCode: refuse,
    audit: refuse,
    verifyChains: async () => [],
    records: refuse,
    record: refuse,
    retentionQueue: refuse,
    decide: refuse,
    purposes: async () => ({ kinds: [{ code: 'audit', label: 'Audit or complaint', needs_reference: true, unmasks: false }], hold_minutes: 60 }),
    ...over,
  };
}
