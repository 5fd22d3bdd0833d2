/** Point-in-polygon and map projection for the areas, drawn with no tile server. */
import type { Area } from './bindings/Area';

/** Even-odd rule, as `Area::contains` in crates/domain. */
export function contains(area: Area, lat: number, lon: number): boolean {
  const ring = area.boundary;
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

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
