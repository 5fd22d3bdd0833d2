import { describe, expect, it } from 'vitest';
import type { Area } from './bindings/Area';
import { searchPlaces } from './gazetteer';

function area(id: string, places: string[]): Area {
  return {
    id,
    name: id,
    kind: 'ward',
    borough: 'Test',
    ons_code: null,
    town_centre_class: null,
    boundary: [
      [0, 0],
      [1, 0],
      [1, 1],
    ],
    boundary_approximate: true,
    places: places.map((name, i) => ({ name, lat: i / 10, lon: 0.5 })),
  };
}

const demo = () => [
  area('a', ['Camden High Street, by Camden Town station', 'Camden Lock Market', 'Kentish Town Road']),
  area('b', ['Parkway, by the Jazz Café', "King's Cross station"]),
];

const names = (areas: Area[], text: string, limit = 6) => searchPlaces(areas, text, limit).map(({ place, area }) => `${place.name} @ ${area.id}`);

describe('searchPlaces (the same rule as the Rust gazetteer)', () => {
  it('ignores case, apostrophes and word order', () => {
    expect(names(demo(), 'HIGH camden')).toEqual(['Camden High Street, by Camden Town station @ a']);
    expect(names(demo(), 'jazz CAFÉ')).toEqual(['Parkway, by the Jazz Café @ b']);
    expect(names(demo(), 'kings cross')).toEqual(["King's Cross station @ b"]);
  });

  it('puts word starts before words found inside, each in alphabetical order', () => {
    const areas = demo();
    areas[0]!.places!.push({ name: 'Wayland Avenue', lat: 0.9, lon: 0.9 });
    expect(names(areas, 'way')).toEqual(['Wayland Avenue @ a', 'Parkway, by the Jazz Café @ b']);
    expect(names(areas, 'town')).toEqual(['Camden High Street, by Camden Town station @ a', 'Kentish Town Road @ a']);
  });

  it('needs every word, and keeps to the limit', () => {
    expect(names(demo(), 'camden zebra')).toEqual([]);
    expect(names(demo(), '  ')).toEqual([]);
    expect(names(demo(), ',')).toEqual([]);
    expect(names(demo(), 'a', 2)).toHaveLength(2);
    expect(names(demo(), 'camden', 0)).toEqual([]);
    const bare = area('c', ['Camden Road']);
    delete bare.places;
    expect(searchPlaces([bare], 'camden')).toEqual([]);
  });

  it('offers a place in two areas once, under the first', () => {
    const areas = demo();
    areas[1]!.places!.push({ ...areas[0]!.places![1]! });
    expect(names(areas, 'lock')).toEqual(['Camden Lock Market @ a']);
  });
});
