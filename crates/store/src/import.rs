//! Importing concerns from NDJSON: one JSON object a line, in the `NewConcern` shape.
//! A bad line is reported with its number and the rest are still imported.

use crate::records::create_in;
use crate::{Store, StoreError};
use beatbook_domain::concern::NewConcern;
use beatbook_domain::views::{ImportReport, LineError};
use beatbook_domain::FieldError;
use chrono::Utc;
use std::io::BufRead;

/// Longest line accepted; longer ones are reported, not read into memory whole.
pub const MAX_LINE_BYTES: usize = 1 << 20;

impl Store {
    /// Import every good line in one transaction, so an import is all on disk or not at all.
    /// A line whose record id is already on this device is skipped (importing twice is harmless).
    pub fn import_concerns(
        &mut self,
        mut reader: impl BufRead,
    ) -> Result<ImportReport, StoreError> {
        let mut report = ImportReport::default();
        let reader = &mut reader;
        let now = Utc::now();
        self.write(|tx, device, areas| {
            let mut line_no: u32 = 0;
            let mut buf = Vec::new();
            loop {
                buf.clear();
                let n = std::io::Read::take(&mut *reader, MAX_LINE_BYTES as u64 + 1)
                    .read_until(b'\n', &mut buf)?;
                if n == 0 {
                    break;
                }
                line_no += 1;
                let fail = |message: String, field_errors: Vec<FieldError>| LineError {
                    line: line_no,
                    message,
                    field_errors,
                };
                if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
                    report.failed.push(fail(
                        format!("line is longer than {MAX_LINE_BYTES} bytes"),
                        vec![],
                    ));
                    // Skip the rest of the overlong line without holding it in memory.
                    reader.skip_until(b'\n')?;
                    continue;
                }
                let Ok(text) = std::str::from_utf8(&buf) else {
                    report
                        .failed
                        .push(fail("line is not valid UTF-8 text".into(), vec![]));
                    continue;
                };
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                let new: NewConcern = match serde_json::from_str(text) {
                    Ok(c) => c,
                    Err(e) => {
                        report
                            .failed
                            .push(fail(format!("not a valid concern: {e}"), vec![]));
                        continue;
                    }
                };
                let routed = beatbook_domain::area::areas_containing(new.location.point(), areas);
                let (id, concern) = new.into_concern(now, routed);
                match create_in(tx, device, id.unwrap_or_default(), &concern) {
                    Ok(_) => report.imported += 1,
                    Err(StoreError::AlreadyExists(_)) => report.skipped += 1,
                    Err(StoreError::Invalid(errs)) => {
                        report
                            .failed
                            .push(fail(format!("not a valid concern: {errs}"), errs.errors));
                    }
                    Err(other) => return Err(other),
                }
            }
            Ok(())
        })?;
        Ok(report)
    }
}
