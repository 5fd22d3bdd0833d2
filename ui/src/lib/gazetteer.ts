/**
 * Typing a place sets the location: what an officer types matched against the areas' gazetteer
 * (the streets and landmarks HQ holds on each area, `Area.places`). The same rule as the Rust
 * `beatbook_domain::gazetteer::search`: case does not matter, apostrophes are ignored, the words
 * typed may come in any order, and every one must be in the name. Places where every word typed
 * starts a word of the name come first, then those that only contain them, each group in
 * alphabetical order. A place listed under several areas is offered once, under the first.
 */
import type { Area } from './bindings/Area';
import type { Place } from './bindings/Place';

export type PlaceMatch = { place: Place; area: Area };

/** Lower case, apostrophes dropped. */
const normalise = (text: string) => text.replace(/['\u2019]/g, '').toLowerCase();

const words = (text: string) => text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);

/** The places whose names match `text`, best first, at most `limit` of them. */
export function searchPlaces(areas: readonly Area[], text: string, limit = 6): PlaceMatch[] {
  const typed = words(normalise(text));
  if (!typed.length || limit <= 0) return [];
  const found: { prefix: boolean; name: string; place: Place; area: Area }[] = [];
  for (const area of areas) {
    for (const place of area.places ?? []) {
      const name = normalise(place.name);
      if (!typed.every((w) => name.includes(w))) continue;
      if (found.some((f) => f.place.name === place.name && f.place.lat === place.lat && f.place.lon === place.lon)) continue;
      const nameWords = words(name);
      const prefix = typed.every((w) => nameWords.some((n) => n.startsWith(w)));
      found.push({ prefix, name, place, area });
    }
  }
  found.sort((a, b) => Number(b.prefix) - Number(a.prefix) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return found.slice(0, limit).map(({ place, area }) => ({ place, area }));
}
