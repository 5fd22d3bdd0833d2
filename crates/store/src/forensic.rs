//! Looking for leftovers: where in the store, read with its key, some bytes still are. For tests
//! and for a data protection officer's check after a disposal; not for the app's own work.

use crate::{Store, StoreError};
use rusqlite::types::ValueRef;

impl Store {
    /// Every `table.column` of the store (every table SQLite holds, the search index's own tables
    /// and the outbox included) where a value contains `needle`, compared byte for byte on text
    /// and blobs, and on text also without regard to ASCII case.
    pub fn tables_containing(&self, needle: &[u8]) -> Result<Vec<String>, StoreError> {
        let tables: Vec<String> = {
            let mut stmt = self.conn.prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
            )?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let lower: Vec<u8> = needle.to_ascii_lowercase();
        let mut found = Vec::new();
        for table in tables {
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT * FROM \"{}\"", table.replace('"', "\"\"")))?;
            let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                for (i, name) in names.iter().enumerate() {
                    let hit = match row.get_ref(i)? {
                        ValueRef::Text(t) => {
                            contains(t, needle) || contains(&t.to_ascii_lowercase(), &lower)
                        }
                        ValueRef::Blob(b) => contains(b, needle) || contains(b, &lower),
                        _ => false,
                    };
                    let place = format!("{table}.{name}");
                    if hit && !found.contains(&place) {
                        found.push(place);
                    }
                }
            }
        }
        Ok(found)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
