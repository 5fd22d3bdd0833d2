/**
 * People in a record as a form edits them: one statement at a time (the latest), any earlier
 * statements kept as they were.
 */
import type { Basis } from './bindings/Basis';
import type { PersonInvolved } from './bindings/PersonInvolved';
import type { PersonRole } from './bindings/PersonRole';
import type { Statement } from './bindings/Statement';

export interface PersonDraft {
  role: PersonRole;
  name: string;
  description: string;
  statement: string;
  basis: Basis;
  /** Statements made before this edit, kept unchanged. */
  earlier: Statement[];
}

export function blankPerson(): PersonDraft {
  return { role: 'witness', name: '', description: '', statement: '', basis: 'fact', earlier: [] };
}

export function toDraft(p: PersonInvolved): PersonDraft {
  const last = p.statements.at(-1);
  return {
    role: p.role,
    name: p.name ?? '',
    description: p.description ?? '',
    statement: last?.text ?? '',
    basis: last?.basis ?? 'fact',
    earlier: p.statements.slice(0, -1),
  };
}

export function fromDraft(d: PersonDraft): PersonInvolved {
  const said = d.statement.trim();
  return {
    role: d.role,
    name: d.name.trim() || null,
    description: d.description.trim() || null,
    statements: [...d.earlier, ...(said ? [{ text: said, basis: d.basis }] : [])],
  };
}
