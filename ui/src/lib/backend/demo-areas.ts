/** The demo reference areas (crates/domain/src/reference.rs, the rectangular ones), for the demo device (`demo.ts`). */
import type { Area } from '../bindings/Area';

export const DEMO_AREAS: Area[] = [
  {"id": "E05013655", "name": "Camden Town", "kind": "ward", "borough": "Camden", "ons_code": "E05013655", "town_centre_class": null, "boundary": [[-0.15, 51.533], [-0.135, 51.533], [-0.135, 51.542], [-0.15, 51.542]], "boundary_approximate": true},
  {"id": "E05013654", "name": "Camden Square", "kind": "ward", "borough": "Camden", "ons_code": "E05013654", "town_centre_class": null, "boundary": [[-0.135, 51.538], [-0.12, 51.538], [-0.12, 51.548], [-0.135, 51.548]], "boundary_approximate": true},
  {"id": "E05013664", "name": "Kentish Town South", "kind": "ward", "borough": "Camden", "ons_code": "E05013664", "town_centre_class": null, "boundary": [[-0.15, 51.542], [-0.135, 51.542], [-0.135, 51.55], [-0.15, 51.55]], "boundary_approximate": true},
  {"id": "E05013663", "name": "Kentish Town North", "kind": "ward", "borough": "Camden", "ons_code": "E05013663", "town_centre_class": null, "boundary": [[-0.15, 51.55], [-0.135, 51.55], [-0.135, 51.558], [-0.15, 51.558]], "boundary_approximate": true},
  {"id": "E05013660", "name": "Haverstock", "kind": "ward", "borough": "Camden", "ons_code": "E05013660", "town_centre_class": null, "boundary": [[-0.165, 51.54], [-0.15, 51.54], [-0.15, 51.552], [-0.165, 51.552]], "boundary_approximate": true},
  {"id": "tc-kentish-town", "name": "Kentish Town", "kind": "town_centre", "borough": "Camden", "ons_code": null, "town_centre_class": "district", "boundary": [[-0.145, 51.546], [-0.138, 51.546], [-0.138, 51.554], [-0.145, 51.554]], "boundary_approximate": true},
  {"id": "E05009370", "name": "Dalston", "kind": "ward", "borough": "Hackney", "ons_code": "E05009370", "town_centre_class": null, "boundary": [[-0.08, 51.543], [-0.066, 51.543], [-0.066, 51.552], [-0.08, 51.552]], "boundary_approximate": true},
  {"id": "E05009371", "name": "De Beauvoir", "kind": "ward", "borough": "Hackney", "ons_code": "E05009371", "town_centre_class": null, "boundary": [[-0.094, 51.536], [-0.08, 51.536], [-0.08, 51.548], [-0.094, 51.548]], "boundary_approximate": true},
  {"id": "E05009382", "name": "Shacklewell", "kind": "ward", "borough": "Hackney", "ons_code": "E05009382", "town_centre_class": null, "boundary": [[-0.08, 51.552], [-0.066, 51.552], [-0.066, 51.56], [-0.08, 51.56]], "boundary_approximate": true},
  {"id": "E05009372", "name": "Hackney Central", "kind": "ward", "borough": "Hackney", "ons_code": "E05009372", "town_centre_class": null, "boundary": [[-0.066, 51.543], [-0.05, 51.543], [-0.05, 51.553], [-0.066, 51.553]], "boundary_approximate": true},
  {"id": "E05009381", "name": "London Fields", "kind": "ward", "borough": "Hackney", "ons_code": "E05009381", "town_centre_class": null, "boundary": [[-0.066, 51.535], [-0.05, 51.535], [-0.05, 51.543], [-0.066, 51.543]], "boundary_approximate": true},
  {"id": "tc-hackney-central", "name": "Hackney Central", "kind": "town_centre", "borough": "Hackney", "ons_code": null, "town_centre_class": "major", "boundary": [[-0.06, 51.54], [-0.052, 51.54], [-0.052, 51.55], [-0.06, 51.55]], "boundary_approximate": true},
  {"id": "tc-camden-town", "name": "Camden Town", "kind": "town_centre", "borough": "Camden", "ons_code": null, "town_centre_class": "major", "boundary": [[-0.1555, 51.535], [-0.138, 51.535], [-0.138, 51.544], [-0.148, 51.5445], [-0.1555, 51.542]], "boundary_approximate": true},
  {"id": "tc-dalston", "name": "Dalston", "kind": "town_centre", "borough": "Hackney", "ons_code": null, "town_centre_class": "major", "boundary": [[-0.082, 51.544], [-0.07, 51.544], [-0.07, 51.555], [-0.076, 51.5555], [-0.082, 51.55]], "boundary_approximate": true},
];
