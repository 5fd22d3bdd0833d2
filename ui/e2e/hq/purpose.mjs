// @ts-check
/**
 * The purpose of a look (issue 16), for the dashboard's end-to-end tests: the dashboard asks for
 * it before the first read of records, and a script calling HQ's API sends it as a header.
 */

/** What a test's direct API calls send with a read of records (`beatbook-purpose`). */
export const PURPOSE_HEADER = { 'beatbook-purpose': 'code=investigation&reference=CAD+1234%2F06DEC' };

/**
 * Give the purpose in the dashboard's dialog, which it shows before the first read of records.
 * @param {import('playwright-core').Page} page
 * @param {{ purpose?: string; reference?: string; note?: string }} [given]
 */
export async function givePurpose(page, { purpose = 'Investigation', reference = 'CAD 1234/06DEC', note = '' } = {}) {
  const dialog = page.getByRole('dialog', { name: 'Why are you looking at these records?' });
  await dialog.waitFor();
  await dialog.getByLabel('Purpose', { exact: true }).selectOption({ label: purpose });
  if (reference) await dialog.getByLabel(/^Reference/).fill(reference);
  if (note) await dialog.getByLabel('Note (optional)').fill(note);
  await dialog.getByRole('button', { name: 'Give purpose' }).click();
  await dialog.waitFor({ state: 'hidden' });
}
