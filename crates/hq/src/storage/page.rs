//! Which records an HQ records page reads, and how a backend reads them: one newest-first index
//! range per stream, merged.

/// Which records an HQ records page reads: of these kinds (all if empty), filed under any of
/// these areas (all if empty), with a server sequence below `before` (from the newest if `None`).
/// Newest first by server sequence, so a cursor stays put while new records arrive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordPage {
    pub kinds: Vec<beatbook_domain::RecordKind>,
    /// Read through the change feed's `area:` keys, which are an index, not the answer: a record
    /// stays filed under an area it has left (keys stick), so the caller checks its current
    /// areas. Intelligence is not filed by area (it reaches teams by dissemination): for those
    /// kinds the records of the kind are read newest first and their areas checked, so that
    /// part's cost follows the amount of intelligence held.
    pub areas: Vec<beatbook_domain::AreaId>,
    pub before: Option<u64>,
    pub limit: u32,
}

/// How a backend reads a [`RecordPage`]: one newest-first index range per stream, each cut at
/// `limit`, merged. The first `limit` of the union lie within the first `limit` of each stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PageStream {
    /// Every record (the server sequence index).
    All,
    /// Records of one kind (the kind index).
    Kind(&'static str),
    /// Records filed under a change feed key, of these kinds (any if empty).
    Filed {
        key: String,
        kinds: Vec<&'static str>,
    },
    /// Records of one kind with any of these areas (kind index, areas checked row by row).
    KindInAreas {
        kind: &'static str,
        areas: Vec<String>,
    },
}

impl RecordPage {
    pub(crate) fn streams(&self) -> Vec<PageStream> {
        use beatbook_domain::RecordKind;
        // Kinds the change feed files under `area:` keys (see `beatbook_domain::access::audience`).
        let filed =
            |k: &RecordKind| !matches!(k, RecordKind::IntelReport | RecordKind::IntelSource);
        let kinds: Vec<RecordKind> = if self.kinds.is_empty() {
            RecordKind::ALL.to_vec()
        } else {
            let mut k = self.kinds.clone();
            k.sort_by_key(|k| k.as_str());
            k.dedup();
            k
        };
        if self.areas.is_empty() {
            if self.kinds.is_empty() {
                return vec![PageStream::All];
            }
            return kinds.iter().map(|k| PageStream::Kind(k.as_str())).collect();
        }
        let mut out = Vec::new();
        if kinds.iter().any(filed) {
            // The feed's area keys hold only filed kinds: no kind check unless fewer were asked.
            let only: Vec<&'static str> = if self.kinds.is_empty() {
                Vec::new()
            } else {
                kinds
                    .iter()
                    .filter(|k| filed(k))
                    .map(|k| k.as_str())
                    .collect()
            };
            let mut areas: Vec<String> = self.areas.iter().map(|a| format!("area:{a}")).collect();
            areas.sort();
            areas.dedup();
            out.extend(areas.into_iter().map(|key| PageStream::Filed {
                key,
                kinds: only.clone(),
            }));
        }
        let areas: Vec<String> = self.areas.iter().map(|a| a.to_string()).collect();
        out.extend(
            kinds
                .iter()
                .filter(|k| !filed(k))
                .map(|k| PageStream::KindInAreas {
                    kind: k.as_str(),
                    areas: areas.clone(),
                }),
        );
        out
    }
}

/// The newest `limit` distinct server sequences of several streams.
pub(crate) fn newest(mut seqs: Vec<i64>, limit: u32) -> Vec<i64> {
    seqs.sort_unstable_by(|a, b| b.cmp(a));
    seqs.dedup();
    seqs.truncate(limit as usize);
    seqs
}
