/** Map projection for the areas, drawn with no tile server. */
import type { Area } from './bindings/Area';

export function centroid(area: Area): { lat: number; lon: number } {
  const n = area.boundary.length || 1;
  const lon = area.boundary.reduce((sum, [x]) => sum + x, 0) / n;
  const lat = area.boundary.reduce((sum, [, y]) => sum + y, 0) / n;
  return { lat, lon };
}

export interface Bounds {
  minLon: number;
  maxLon: number;
  minLat: number;
  maxLat: number;
}

export function boundsOf(areas: Area[], pad = 0.002): Bounds {
  const pts = areas.flatMap((a) => a.boundary);
  if (pts.length === 0) return { minLon: -0.2, maxLon: 0, minLat: 51.5, maxLat: 51.6 };
  return {
    minLon: Math.min(...pts.map(([x]) => x)) - pad,
    maxLon: Math.max(...pts.map(([x]) => x)) + pad,
    minLat: Math.min(...pts.map(([, y]) => y)) - pad,
    maxLat: Math.max(...pts.map(([, y]) => y)) + pad,
  };
}

/** An equirectangular projection into a `width`-wide box, corrected for latitude. */
export function projection(bounds: Bounds, width: number) {
  const midLat = ((bounds.minLat + bounds.maxLat) / 2) * (Math.PI / 180);
  const scale = width / ((bounds.maxLon - bounds.minLon) * Math.cos(midLat));
  const height = (bounds.maxLat - bounds.minLat) * scale;
  return {
    width,
    height,
    toXY(lat: number, lon: number): [number, number] {
      return [(lon - bounds.minLon) * Math.cos(midLat) * scale, (bounds.maxLat - lat) * scale];
    },
    toLatLon(x: number, y: number): { lat: number; lon: number } {
      return { lon: bounds.minLon + x / (Math.cos(midLat) * scale), lat: bounds.maxLat - y / scale };
    },
  };
}

/** A Web Mercator (slippy map) tile and the box it covers. */
export interface Tile {
  z: number;
  x: number;
  y: number;
  north: number;
  south: number;
  west: number;
  east: number;
}

export function tileX(lon: number, z: number): number {
  return Math.floor(((lon + 180) / 360) * 2 ** z);
}

export function tileY(lat: number, z: number): number {
  const r = (lat * Math.PI) / 180;
  return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
}

function tileLon(x: number, z: number): number {
  return (x / 2 ** z) * 360 - 180;
}

function tileLat(y: number, z: number): number {
  return (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / 2 ** z))) * 180) / Math.PI;
}

/** The tiles covering `b` at the deepest zoom (up to 17) that needs at most `maxTiles` of them. */
export function tilesFor(b: Bounds, maxTiles = 36): Tile[] {
  let chosen = 1;
  for (let z = 1; z <= 17; z++) {
    const n = (tileX(b.maxLon, z) - tileX(b.minLon, z) + 1) * (tileY(b.minLat, z) - tileY(b.maxLat, z) + 1);
    if (n > maxTiles) break;
    chosen = z;
  }
  const z = chosen;
  const tiles: Tile[] = [];
  for (let x = tileX(b.minLon, z); x <= tileX(b.maxLon, z); x++) {
    for (let y = tileY(b.maxLat, z); y <= tileY(b.minLat, z); y++) {
      tiles.push({ z, x, y, north: tileLat(y, z), south: tileLat(y + 1, z), west: tileLon(x, z), east: tileLon(x + 1, z) });
    }
  }
  return tiles;
}
