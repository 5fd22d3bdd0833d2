/**
 * The concern categories for the picker, built from the domain's types (generated bindings):
 * adding a heading in Rust fails `npm run check` here until it is listed.
 */
import type { AsbEnvironmental } from './bindings/AsbEnvironmental';
import type { AsbNuisance } from './bindings/AsbNuisance';
import type { AsbPersonal } from './bindings/AsbPersonal';
import type { ConcernCategory } from './bindings/ConcernCategory';
import type { VawgBehavioural } from './bindings/VawgBehavioural';
import type { VawgEnvironmental } from './bindings/VawgEnvironmental';

/** Compile-time check that `list` names every member of `T`. */
type Exhaustive<T, L extends readonly T[]> = [Exclude<T, L[number]>] extends [never] ? L : never;
function all<T>() {
  return <const L extends readonly T[]>(list: Exhaustive<T, L>): readonly T[] => list;
}

const ASB_PERSONAL = all<AsbPersonal>()(['intimidation_or_harassment', 'targeted_abuse', 'neighbour_dispute', 'hate_related']);
const ASB_NUISANCE = all<AsbNuisance>()([
  'rowdy_behaviour',
  'noise',
  'street_drinking',
  'begging',
  'drug_use',
  'vehicle_nuisance',
  'fireworks',
]);
const ASB_ENVIRONMENTAL = all<AsbEnvironmental>()([
  'graffiti',
  'fly_tipping',
  'litter',
  'abandoned_vehicle',
  'drug_litter',
  'damaged_property',
]);
const VAWG_ENVIRONMENTAL = all<VawgEnvironmental>()([
  'badly_lit',
  'no_cctv',
  'isolated_place',
  'overgrown_vegetation',
  'unsafe_transport_stop',
]);
const VAWG_BEHAVIOURAL = all<VawgBehavioural>()([
  'feeling_followed',
  'verbal_harassment',
  'intimidating_group',
  'unwanted_attention',
  'spiking_concern',
  'indecent_exposure',
]);

export function words(slug: string): string {
  const s = slug.replaceAll('_', ' ').replace(/\bcctv\b/, 'CCTV');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface CategoryGroup {
  label: string;
  options: { key: string; label: string; category: ConcernCategory }[];
}

export const CATEGORY_GROUPS: CategoryGroup[] = [
  {
    label: 'ASB: personal',
    options: ASB_PERSONAL.map((h) => ({ key: `asb:personal:${h}`, label: words(h), category: { kind: 'asb', type: 'personal', heading: h } })),
  },
  {
    label: 'ASB: nuisance',
    options: ASB_NUISANCE.map((h) => ({ key: `asb:nuisance:${h}`, label: words(h), category: { kind: 'asb', type: 'nuisance', heading: h } })),
  },
  {
    label: 'ASB: environmental',
    options: ASB_ENVIRONMENTAL.map((h) => ({
      key: `asb:environmental:${h}`,
      label: words(h),
      category: { kind: 'asb', type: 'environmental', heading: h },
    })),
  },
  {
    label: 'VAWG: place',
    options: VAWG_ENVIRONMENTAL.map((h) => ({
      key: `vawg:environmental:${h}`,
      label: words(h),
      category: { kind: 'vawg', type: 'environmental', heading: h },
    })),
  },
  {
    label: 'VAWG: behaviour',
    options: VAWG_BEHAVIOURAL.map((h) => ({
      key: `vawg:behavioural:${h}`,
      label: words(h),
      category: { kind: 'vawg', type: 'behavioural', heading: h },
    })),
  },
];

export function categoryByKey(key: string): ConcernCategory | undefined {
  for (const g of CATEGORY_GROUPS) for (const o of g.options) if (o.key === key) return o.category;
  return undefined;
}

/** "ASB nuisance: street drinking", as `Concern::category_label` in Rust. */
export function categoryLabel(c: ConcernCategory): string {
  if (c.kind === 'other') return c.label;
  return `${c.kind.toUpperCase()} ${c.type}: ${c.heading.replaceAll('_', ' ')}`;
}
