//! A small PDF writer, enough for the committee report: pages of a fixed size, text in the
//! standard Helvetica fonts (regular and bold, WinAnsi encoding, so `£` and `–` print), filled
//! rectangles and lines. No browser and no PDF library: the file is written by hand (PDF 1.4),
//! each page's content stream compressed with Flate, its text as `(..) Tj` strings a reader can
//! extract page by page ([`text_of_pages`] does, for the tests).
//!
//! Coordinates are in points from the page's top-left corner (PDF's own origin is bottom-left;
//! the writer turns them over). Text is placed by its baseline.

use flate2::write::ZlibEncoder;
use flate2::Compression;
use std::fmt::Write as _;
use std::io::Write as _;

/// A4 landscape, in points.
pub const A4_LANDSCAPE: (f32, f32) = (841.89, 595.28);

/// The two standard fonts the writer uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    fn base(self) -> &'static str {
        match self {
            Font::Regular => "Helvetica",
            Font::Bold => "Helvetica-Bold",
        }
    }
}

/// A colour, 0 to 255 each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0, 0, 0);

    fn ops(self, op: &str) -> String {
        let c = |v: u8| num(f32::from(v) / 255.0);
        format!("{} {} {} {op}", c(self.0), c(self.1), c(self.2))
    }
}

/// A number as a PDF operand: at most three decimals, no trailing zeros.
fn num(v: f32) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// One page being drawn.
#[derive(Clone, Debug)]
pub struct Page {
    height: f32,
    content: String,
}

impl Page {
    /// Text at `x`, its baseline `y` points from the top.
    pub fn text(&mut self, font: Font, size: f32, x: f32, y: f32, s: &str, colour: Rgb) {
        let _ = writeln!(
            self.content,
            "BT /{} {} Tf {} {} {} Td {} Tj ET",
            font.resource(),
            num(size),
            colour.ops("rg"),
            num(x),
            num(self.height - y),
            literal(&encode(s))
        );
    }

    /// Text ending at `right`.
    pub fn text_right(&mut self, font: Font, size: f32, right: f32, y: f32, s: &str) {
        let x = right - width(font, size, s);
        self.text(font, size, x, y, s, Rgb::BLACK);
    }

    /// A filled rectangle, its top-left corner at `(x, y)`.
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: Rgb) {
        let _ = writeln!(
            self.content,
            "{} {} {} {} {} re f",
            colour.ops("rg"),
            num(x),
            num(self.height - y - h),
            num(w),
            num(h)
        );
    }

    /// A straight line.
    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), thickness: f32, colour: Rgb) {
        let _ = writeln!(
            self.content,
            "{} {} w {} {} m {} {} l S",
            colour.ops("RG"),
            num(thickness),
            num(from.0),
            num(self.height - from.1),
            num(to.0),
            num(self.height - to.1)
        );
    }
}

/// A document: its title (in the file's properties) and its pages, all of one size.
#[derive(Clone, Debug)]
pub struct Document {
    title: String,
    size: (f32, f32),
    pages: Vec<Page>,
}

impl Document {
    pub fn new(title: &str, size: (f32, f32)) -> Document {
        Document {
            title: title.to_owned(),
            size,
            pages: Vec::new(),
        }
    }

    pub fn size(&self) -> (f32, f32) {
        self.size
    }

    /// A new blank page at the end.
    pub fn add_page(&mut self) -> &mut Page {
        self.pages.push(Page {
            height: self.size.1,
            content: String::new(),
        });
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub fn page(&mut self, index: usize) -> Option<&mut Page> {
        self.pages.get_mut(index)
    }

    /// The PDF file.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Objects: 1 catalog, 2 page tree, 3 and 4 the fonts, 5 the document's properties, then
        // each page and its content stream.
        let mut objects: Vec<Vec<u8>> = Vec::new();
        let page_ids: Vec<usize> = (0..self.pages.len()).map(|i| 6 + 2 * i).collect();
        objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
        let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
        objects.push(
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                self.pages.len()
            )
            .into_bytes(),
        );
        for font in [Font::Regular, Font::Bold] {
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
                    font.base()
                )
                .into_bytes(),
            );
        }
        let title_hex: String = std::iter::once(0xFEFF_u16)
            .chain(self.title.encode_utf16())
            .map(|u| format!("{u:04X}"))
            .collect();
        objects.push(
            format!(
                "<< /Title <{title_hex}> /Producer (Beatbook HQ) /CreationDate (D:{}Z) >>",
                chrono::Utc::now().format("%Y%m%d%H%M%S")
            )
            .into_bytes(),
        );
        let (w, h) = self.size;
        for (i, page) in self.pages.iter().enumerate() {
            objects.push(
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                    num(w),
                    num(h),
                    page_ids[i] + 1
                )
                .into_bytes(),
            );
            let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
            // Writing to a Vec cannot fail.
            let _ = z.write_all(page.content.as_bytes());
            let data = z.finish().unwrap_or_default();
            let mut stream = format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                data.len()
            )
            .into_bytes();
            stream.extend_from_slice(&data);
            stream.extend_from_slice(b"\nendstream");
            objects.push(stream);
        }
        let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for o in offsets {
            let _ = write!(table, "{o:010} 00000 n \n");
        }
        let _ = write!(
            table,
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        );
        out.extend_from_slice(table.as_bytes());
        out
    }
}

/// WinAnsi (Windows-1252) bytes for the characters outside ASCII and Latin-1 that it holds.
const WIN_ANSI_EXTRA: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// Text in WinAnsi, as the standard fonts print it; a character they cannot print is `?`.
pub fn encode(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c as u32 {
            0x20..=0x7E | 0xA0..=0xFF => c as u8,
            _ => WIN_ANSI_EXTRA
                .iter()
                .find(|(k, _)| *k == c)
                .map_or(b'?', |(_, b)| *b),
        })
        .collect()
}

/// WinAnsi bytes back to text.
pub fn decode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => WIN_ANSI_EXTRA
                .iter()
                .find(|(_, v)| *v == b)
                .map_or('?', |(c, _)| *c),
            _ => char::from(b),
        })
        .collect()
}

/// A PDF literal string: `(`, `)` and `\` escaped, bytes outside printable ASCII as octal, so the
/// content stream is plain ASCII.
fn literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7E => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(')');
    out
}

/// Helvetica's widths (thousandths of the size) for ASCII 32 to 126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0..9
    278, 278, 584, 584, 584, 556, 1015, // :..@
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // A..Z
    278, 278, 278, 469, 556, 333, // [..`
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
    278, 556, 500, 722, 500, 500, 500, // a..z
    334, 260, 334, 584, // {..~
];

/// Helvetica-Bold's widths for ASCII 32 to 126.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0..9
    333, 333, 584, 584, 584, 611, 975, // :..@
    722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // A..Z
    333, 278, 333, 584, 556, 333, // [..`
    556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556,
    333, 611, 556, 778, 556, 556, 500, // a..z
    389, 280, 389, 584, // {..~
];

fn glyph_width(font: Font, b: u8) -> u16 {
    let table = match font {
        Font::Regular => &HELVETICA,
        Font::Bold => &HELVETICA_BOLD,
    };
    match b {
        0x20..=0x7E => table[usize::from(b - 0x20)],
        0x85 | 0x97 => 1000,
        0x91 | 0x92 => match font {
            Font::Regular => 222,
            Font::Bold => 278,
        },
        0x93 | 0x94 => match font {
            Font::Regular => 333,
            Font::Bold => 500,
        },
        0x95 => 350,
        0xA0 | 0xB7 => 278,
        _ => 556,
    }
}

/// How wide `s` is set in `font` at `size`, in points.
pub fn width(font: Font, size: f32, s: &str) -> f32 {
    let units: u32 = encode(s)
        .into_iter()
        .map(|b| u32::from(glyph_width(font, b)))
        .sum();
    units as f32 * size / 1000.0
}

/// `s` broken into lines no wider than `max` points, at spaces (a word wider than a line is
/// broken where it must be). Never empty: blank text is one empty line.
pub fn wrap(font: Font, size: f32, s: &str, max: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in s.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let tried = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(font, size, &tried) <= max {
                line = tried;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word too long for a line on its own: as much as fits, then the rest.
            let mut rest = word.to_owned();
            while width(font, size, &rest) > max {
                let mut cut = rest.len();
                while cut > 1 && width(font, size, &rest[..cut]) > max {
                    cut -= 1;
                    while !rest.is_char_boundary(cut) {
                        cut -= 1;
                    }
                }
                lines.push(rest[..cut].to_owned());
                rest = rest[cut..].to_owned();
            }
            line = rest;
        }
        lines.push(line);
    }
    lines
}

/// The text of each page of a PDF this writer made, in the order it was drawn: each `Tj` string
/// on its own line. A reader just big enough for the tests, which check the report page by page.
pub fn text_of_pages(pdf: &[u8]) -> Result<Vec<String>, String> {
    use std::io::Read as _;
    let text = String::from_utf8_lossy(pdf);
    // Objects by number: where each body starts and ends in the file.
    let object = |n: usize| -> Result<&[u8], String> {
        let head = format!("\n{n} 0 obj\n");
        let start = find(pdf, head.as_bytes(), 0).ok_or(format!("no object {n}"))? + head.len();
        let end = find(pdf, b"\nendobj", start).ok_or(format!("object {n} does not end"))?;
        Ok(&pdf[start..end])
    };
    let refs = |s: &str, key: &str| -> Vec<usize> {
        s.split_once(key)
            .map(|(_, rest)| {
                let rest = rest.trim_start().trim_start_matches('[');
                let end = rest.find([']', '/', '>']).unwrap_or(rest.len());
                rest[..end]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .chunks(3)
                    .filter_map(|c| c.first()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    if !text.starts_with("%PDF-") {
        return Err("not a PDF".into());
    }
    let root = refs(&text[text.rfind("trailer").ok_or("no trailer")?..], "/Root");
    let catalog = String::from_utf8_lossy(object(*root.first().ok_or("no root")?)?).into_owned();
    let pages_id = *refs(&catalog, "/Pages").first().ok_or("no page tree")?;
    let tree = String::from_utf8_lossy(object(pages_id)?).into_owned();
    let mut out = Vec::new();
    for page_id in refs(&tree, "/Kids") {
        let page = String::from_utf8_lossy(object(page_id)?).into_owned();
        if !page.contains("/Type /Page ") {
            return Err(format!("object {page_id} is not a page"));
        }
        let contents = *refs(&page, "/Contents")
            .first()
            .ok_or("a page without contents")?;
        let body = object(contents)?;
        let start = find(body, b"stream\n", 0).ok_or("no stream")? + 7;
        let end = find(body, b"\nendstream", start).ok_or("the stream does not end")?;
        let mut inflated = Vec::new();
        flate2::read::ZlibDecoder::new(&body[start..end])
            .read_to_end(&mut inflated)
            .map_err(|e| format!("page {page_id}: {e}"))?;
        out.push(strings_shown(&inflated).join("\n"));
    }
    Ok(out)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The strings a content stream shows with `Tj`, decoded.
fn strings_shown(stream: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < stream.len() {
        if stream[i] != b'(' {
            i += 1;
            continue;
        }
        let mut bytes = Vec::new();
        let mut depth = 1;
        i += 1;
        while i < stream.len() {
            let b = stream[i];
            match b {
                b'\\' => {
                    let next = stream.get(i + 1).copied().unwrap_or(b'\\');
                    if next.is_ascii_digit() {
                        let digits: Vec<u8> = stream[i + 1..]
                            .iter()
                            .take(3)
                            .take_while(|d| (b'0'..=b'7').contains(d))
                            .copied()
                            .collect();
                        let v = digits
                            .iter()
                            .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                        bytes.push(u8::try_from(v).unwrap_or(b'?'));
                        i += 1 + digits.len();
                        continue;
                    }
                    bytes.push(match next {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        other => other,
                    });
                    i += 2;
                    continue;
                }
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            bytes.push(b);
            i += 1;
        }
        i += 1;
        let after = String::from_utf8_lossy(&stream[i.min(stream.len())..]);
        if after.trim_start().starts_with("Tj") {
            out.push(decode(&bytes));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pounds_and_dashes_are_winansi_and_come_back_as_they_went() {
        assert_eq!(encode("£5 – 6"), vec![0xA3, b'5', b' ', 0x96, b' ', b'6']);
        assert_eq!(
            decode(&encode("Cost £12.50 – Oct to Dec")),
            "Cost £12.50 – Oct to Dec"
        );
        assert_eq!(encode("→"), b"?");
        assert_eq!(literal(&encode("(a) \\ £")), "(\\(a\\) \\\\ \\243)");
    }

    #[test]
    fn widths_follow_the_fonts_metrics_and_lines_wrap_at_spaces() {
        assert!((width(Font::Regular, 10.0, "Hi") - 9.44).abs() < 1e-4);
        assert!(width(Font::Bold, 10.0, "Hi") > width(Font::Regular, 10.0, "Hi"));
        let lines = wrap(
            Font::Regular,
            10.0,
            "Concerns answered within 72 hours (%)",
            100.0,
        );
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| width(Font::Regular, 10.0, l) <= 100.0));
        assert_eq!(lines.join(" "), "Concerns answered within 72 hours (%)");
        let long = wrap(Font::Regular, 10.0, &"x".repeat(100), 50.0);
        assert!(long.len() > 1 && long.iter().all(|l| width(Font::Regular, 10.0, l) <= 50.0));
        assert_eq!(wrap(Font::Regular, 10.0, "", 50.0), vec![String::new()]);
        assert_eq!(wrap(Font::Regular, 10.0, "a\nb", 50.0), vec!["a", "b"]);
    }

    #[test]
    fn a_document_reads_back_page_by_page_with_its_title_size_and_colours() {
        let mut doc = Document::new("Committee report – Oct to Dec 2026", A4_LANDSCAPE);
        for n in 1..=3 {
            let page = doc.add_page();
            page.fill_rect(36.0, 100.0, 80.0, 20.0, Rgb(244, 199, 195));
            page.text(
                Font::Bold,
                12.0,
                40.0,
                114.0,
                "Below target (red)",
                Rgb::BLACK,
            );
            page.text_right(Font::Regular, 10.0, 800.0, 40.0, &format!("Page {n} of 3"));
            page.line((36.0, 50.0), (800.0, 50.0), 0.5, Rgb(128, 128, 128));
            page.text(
                Font::Regular,
                10.0,
                36.0,
                200.0,
                &format!("£{n}.50 a month – (brackets) \\ and all"),
                Rgb::BLACK,
            );
        }
        assert_eq!(doc.page_count(), 3);
        let bytes = doc.to_bytes();
        assert!(bytes.starts_with(b"%PDF-1.4"));
        assert!(bytes.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(text.matches("/Type /Page ").count(), 3);
        assert_eq!(text.matches("/MediaBox [0 0 841.89 595.28]").count(), 3);
        assert!(text.contains("/BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding"));
        // The title, in UTF-16 (the en dash is 2013).
        assert!(text.contains("/Title <FEFF0043006F006D006D"), "{text}");
        assert!(text.contains("2013"));

        let pages = text_of_pages(&bytes).unwrap();
        assert_eq!(pages.len(), 3);
        for (i, page) in pages.iter().enumerate() {
            let lines: Vec<&str> = page.lines().collect();
            assert_eq!(
                lines,
                vec![
                    "Below target (red)".to_owned(),
                    format!("Page {} of 3", i + 1),
                    format!("£{}.50 a month – (brackets) \\ and all", i + 1),
                ]
            );
        }

        // Every object the cross-reference table points at is where it says (by byte: the file
        // is not UTF-8).
        let tail = String::from_utf8_lossy(&bytes[bytes.len() - 40..]).into_owned();
        let xref_at: usize = tail
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let table = String::from_utf8_lossy(&bytes[xref_at..]).into_owned();
        assert!(table.starts_with("xref\n0 12\n"), "{table}");
        for (n, line) in table.lines().skip(3).take(11).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(
                bytes[offset..].starts_with(format!("{} 0 obj", n + 1).as_bytes()),
                "object {}",
                n + 1
            );
        }
        assert!(text_of_pages(b"not a pdf").is_err());
    }
}
