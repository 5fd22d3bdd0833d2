import { describe, expect, it } from 'vitest';
import { tilesFor, tileX, tileY } from './geo';

describe('map tiles', () => {
  it('finds the standard slippy-map tile of a place', () => {
    // Central London (Charing Cross) is tile 10/511/340 on every OpenStreetMap-style server.
    expect([tileX(-0.1278, 10), tileY(51.5074, 10)]).toEqual([511, 340]);
    expect([tileX(-180, 0), tileY(0, 0)]).toEqual([0, 0]);
  });

  it('covers the whole box with at most the tiles asked for, at the deepest such zoom', () => {
    const box = { minLon: -0.16, maxLon: -0.05, minLat: 51.53, maxLat: 51.56 };
    const tiles = tilesFor(box, 36);
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.length).toBeLessThanOrEqual(36);
    const z = tiles[0]!.z;
    expect(tiles.every((t) => t.z === z)).toBe(true);
    // Covered: the union of the tiles reaches every edge of the box.
    expect(Math.min(...tiles.map((t) => t.west))).toBeLessThanOrEqual(box.minLon);
    expect(Math.max(...tiles.map((t) => t.east))).toBeGreaterThanOrEqual(box.maxLon);
    expect(Math.min(...tiles.map((t) => t.south))).toBeLessThanOrEqual(box.minLat);
    expect(Math.max(...tiles.map((t) => t.north))).toBeGreaterThanOrEqual(box.maxLat);
    // Deepest: one zoom further would need more than 36.
    expect(tilesFor(box, tiles.length - 1)[0]!.z).toBeLessThan(z);
  });
});
