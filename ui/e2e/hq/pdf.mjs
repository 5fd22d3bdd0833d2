// @ts-check
/**
 * Just enough of a PDF for the board pack's test, with Node's own zlib (no npm package): its
 * pages (count and size), its title, and its content streams inflated (to find the colours
 * painted; text is in subset fonts, so words are checked in the title and on the page).
 */
import { inflateSync } from 'node:zlib';

/** @param {Buffer} pdf */
export function pdfPages(pdf) {
  const text = pdf.toString('latin1');
  // Page objects, not the page tree (`/Type /Pages`).
  const count = (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
  const boxes = [...text.matchAll(/\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/g)].map((m) => ({
    width: Number(m[3]) - Number(m[1]),
    height: Number(m[4]) - Number(m[2]),
  }));
  return { count, boxes };
}

/** The document's title (its Info dictionary's `/Title`), as text. @param {Buffer} pdf */
export function pdfTitle(pdf) {
  const text = pdf.toString('latin1');
  const hex = text.match(/\/Title\s*<([0-9a-fA-F\s]+)>/);
  if (hex) {
    const bytes = Buffer.from(hex[1].replace(/\s/g, ''), 'hex');
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return bytes.subarray(2).swap16().toString('utf16le');
    return bytes.toString('latin1');
  }
  const literal = text.match(/\/Title\s*\(((?:\\.|[^\\)])*)\)/);
  if (!literal) return '';
  const raw = literal[1].replace(/\\([()\\])/g, '$1');
  const bytes = Buffer.from(raw, 'latin1');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return bytes.subarray(2).swap16().toString('utf16le');
  return raw;
}

/** Every FlateDecode stream, inflated, as text. @param {Buffer} pdf */
export function pdfStreams(pdf) {
  const out = [];
  const text = pdf.toString('latin1');
  const re = /stream\r?\n/g;
  let m;
  while ((m = re.exec(text))) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    try {
      out.push(inflateSync(pdf.subarray(start, end)).toString('latin1'));
    } catch {
      /* not deflated, or an image */
    }
    re.lastIndex = end;
  }
  return out;
}

/**
 * Whether a fill colour is painted anywhere: an `r g b rg` operator within 0.01 of `rgb`
 * (0-255 each). @param {string[]} streams @param {[number, number, number]} rgb
 */
export function paintsColour(streams, rgb) {
  const want = rgb.map((c) => c / 255);
  return streams.some((s) =>
    [...s.matchAll(/([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+rg\b/g)].some((m) => want.every((w, i) => Math.abs(Number(m[i + 1]) - w) < 0.01)),
  );
}
