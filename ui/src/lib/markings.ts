/**
 * The security markings a tablet may offer, from the domain's `TabletMarking` (generated
 * bindings): a marking a tablet may hold added in Rust fails `npm run check` here until it is
 * named. Anything marked higher (Secret) is never held on a tablet.
 */
import type { TabletMarking } from './bindings/TabletMarking';

const LABELS: Record<TabletMarking, string> = {
  official: 'Official',
  official_sensitive: 'Official-Sensitive',
};

export const TABLET_MARKINGS: readonly { value: TabletMarking; label: string }[] = (
  Object.keys(LABELS) as TabletMarking[]
).map((value) => ({ value, label: LABELS[value] }));
