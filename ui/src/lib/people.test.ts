import { describe, expect, it } from 'vitest';
import { blankPerson, fromDraft, toDraft } from './people';

describe('people in a form', () => {
  it('edits the latest statement and keeps the earlier ones as they were', () => {
    const person = {
      role: 'witness' as const,
      name: null,
      description: 'Shopkeeper',
      statements: [
        { text: 'They come every night', basis: 'opinion' as const },
        { text: 'Six of them at 9pm', basis: 'fact' as const },
      ],
    };
    const draft = toDraft(person);
    expect(draft.statement).toBe('Six of them at 9pm');
    expect(fromDraft(draft)).toEqual(person);
    expect(fromDraft({ ...draft, statement: 'Eight of them at 10pm' }).statements).toEqual([
      { text: 'They come every night', basis: 'opinion' },
      { text: 'Eight of them at 10pm', basis: 'fact' },
    ]);
  });

  it('leaves out what was not written', () => {
    expect(fromDraft({ ...blankPerson(), name: '  ' })).toEqual({ role: 'witness', name: null, description: null, statements: [] });
  });
});
