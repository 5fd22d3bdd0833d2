import { describe, expect, it } from 'vitest';
import { sortAreas } from './format';
import { defaultMeetingArea, issuesAndVotes, PROPOSED_PRIORITIES, proposePriorities, rowsOf, votesFor } from './meetings';

const v = (title: string, votes: number) => ({ title, votes });

describe('proposePriorities (the same cases as the domain)', () => {
  it('proposes the three issues with most votes, ties in the order raised', () => {
    const raised = ['Noise', 'Cycle theft', 'Street drinking', 'Litter', 'Parking'];
    const votes = [v('Noise', 4), v('Street drinking', 9), v('Litter', 4), v('Parking', 1), v('Cycle theft', 0)];
    expect(PROPOSED_PRIORITIES).toBe(3);
    expect(proposePriorities(raised, votes)).toEqual(['Street drinking', 'Noise', 'Litter']);
    expect(proposePriorities(raised, [v('Parking', 2)])).toEqual(['Parking']);
    expect(proposePriorities(raised, [])).toEqual([]);
    expect(votesFor(votes, ' Street drinking ')).toBe(9);
  });
});

describe('issues and votes from the form', () => {
  it('keeps each issue with its votes, leaving out empty rows and no votes', () => {
    expect(issuesAndVotes([{ title: ' Noise ', votes: 3 }, { title: '', votes: 5 }, { title: 'Litter', votes: 0 }])).toEqual({
      issues_raised: ['Noise', 'Litter'],
      votes: [v('Noise', 3)],
    });
    expect(rowsOf(['Noise', 'Litter'], [v('Noise', 3)])).toEqual([{ title: 'Noise', votes: 3 }, { title: 'Litter', votes: 0 }]);
  });
});

describe('defaultMeetingArea', () => {
  const dalston = { id: 'E05009370', name: 'Dalston', kind: 'ward' as const };
  const camdenWard = { id: 'E05013655', name: 'Camden Town', kind: 'ward' as const };
  const camdenTc = { id: 'tc-camden-town', name: 'Camden Town', kind: 'town_centre' as const };
  const kentishTc = { id: 'tc-kentish-town', name: 'Kentish Town', kind: 'town_centre' as const };

  it("is one of the officer's own areas, a ward where they have one, never Dalston for Camden", () => {
    const all = [dalston, kentishTc, camdenTc, camdenWard];
    const pick = (mine: string[]) => defaultMeetingArea(sortAreas(all, mine), mine);
    expect(pick(['tc-kentish-town', 'E05013655'])).toBe('E05013655');
    expect(pick(['tc-kentish-town', 'tc-camden-town'])).toBe('tc-camden-town');
    expect(pick([])).toBe('E05013655');
    expect(defaultMeetingArea([], [])).toBe('');
  });
});
