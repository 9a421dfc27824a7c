//! The update guard: what a decoded remote update must satisfy before it reaches yrs'
//! `apply_update`. Both the server's rooms and the browser's session go through [`decode`].
//!
//! **Clock gaps.** yrs 0.28 integrates a block whose own client's earlier clocks it lacks behind
//! a `Skip` over the hole, and reports nothing missing. A later update that fills the hole is
//! then trimmed against a known state with holes in it (`BlockSet::exclude`), which splits one
//! incoming block twice and frees the middle piece while its neighbours still point to it: a
//! use-after-free reachable by any peer with two small updates (fuzz/README.md, "yrs gap").
//! So for every client an update inserts for, its ranges (items, deleted items and GC'd
//! ranges alike; `Skip`s are holes) are walked in clock order from the document's clock for that
//! client, and each must start at or before the running end. A document that only ever takes
//! such updates never holds a `Skip`, and `exclude` then only ever cuts one known prefix.
//!
//! **Delete sets.** A delete range never creates a `Skip` and `exclude` never reads it, so it
//! cannot reach that path. A range past what the document (plus this update) holds would be
//! kept back by yrs as a pending delete set, though, and held-back state is where fuzzing found
//! yrs' other memory errors; so a delete range must end within the document's clock for its
//! client, extended by what the same update inserts. Both refusals mean the same to the caller
//! as a missing dependency: nothing of the update is applied, and the sender is asked for a
//! sync step 1, whose answer brings what the update depended on.

use std::collections::HashMap;

use yrs::updates::decoder::Decode;
use yrs::{ClientID, StateVector, Update};

/// Why a remote update may not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The bytes are not a v1 update (or yrs panicked decoding them).
    #[error("malformed update: {0}")]
    Malformed(String),
    /// The update inserts for `client` from `found` while the document (and the update's
    /// earlier ranges) end at `expected`: it would leave a hole in that client's clocks.
    #[error("update leaves a gap in client {client}'s clocks ({expected}..{found})")]
    Gap {
        client: u64,
        expected: u32,
        found: u32,
    },
    /// The update deletes clocks of `client` up to `end` that neither the document nor the
    /// update holds (they end at `held`).
    #[error("update deletes client {client}'s clocks up to {end}, beyond the {held} held")]
    DanglingDelete { client: u64, end: u32, held: u32 },
}

impl Refused {
    /// Whether the sender may simply lack a sync round (ask it for step 1) rather than having
    /// sent garbage.
    pub fn is_missing_dependency(&self) -> bool {
        !matches!(self, Refused::Malformed(_))
    }
}

/// Decodes a v1 update and checks it against `state` (the state vector of the document it is
/// about to be applied to). A panic inside yrs' decoder (its overflow checks are on: root
/// `Cargo.toml`) is a malformed update: nothing has been changed yet.
pub fn decode(bytes: &[u8], state: &StateVector) -> Result<Update, Refused> {
    let decoded = std::panic::catch_unwind(|| {
        let update = Update::decode_v1(bytes).map_err(|e| Refused::Malformed(e.to_string()))?;
        check(&update, state)?;
        Ok(update)
    });
    decoded.unwrap_or_else(|_| Err(Refused::Malformed("yrs panicked decoding it".into())))
}

/// The guard proper (see the module header).
pub fn check(update: &Update, state: &StateVector) -> Result<(), Refused> {
    // `--cfg wb_relax_guard` lets everything through, to show what fuzzing finds without it.
    if cfg!(wb_relax_guard) {
        return Ok(());
    }
    let mut reach: HashMap<ClientID, u32> = HashMap::new();
    for (client, ranges) in update.insertions(true).iter() {
        // `IdSet` keeps each client's ranges sorted by start and merged where they touch.
        let mut end = state.get(client);
        for range in ranges.iter() {
            if range.start > end {
                return Err(Refused::Gap {
                    client: client.get(),
                    expected: end,
                    found: range.start,
                });
            }
            end = end.max(range.end);
        }
        reach.insert(*client, end);
    }
    for (client, ranges) in update.delete_set().iter() {
        let held = reach
            .get(client)
            .copied()
            .unwrap_or_else(|| state.get(client));
        if let Some(last) = ranges.iter().map(|r| r.end).max() {
            if last > held {
                return Err(Refused::DanglingDelete {
                    client: client.get(),
                    end: last,
                    held,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::BoardDoc;
    use crate::shape::{Shape, ShapeKind, Style};
    use yrs::{Doc, ReadTxn, Transact};

    /// The first of the minimal pair in fuzz/README.md: one map item of a client at clock 4.
    fn gap_first() -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/yrs-gap/first.bin");
        std::fs::read(path).unwrap()
    }

    fn shape(id: &str) -> Shape {
        Shape {
            id: id.into(),
            kind: ShapeKind::Rectangle,
            w: 1.0,
            h: 1.0,
            style: Style::default(),
            index: "a0".into(),
            ..Shape::default()
        }
    }

    #[test]
    fn an_update_that_starts_past_the_documents_clock_is_a_gap() {
        let err = decode(&gap_first(), &StateVector::default()).unwrap_err();
        assert!(
            matches!(
                err,
                Refused::Gap {
                    expected: 0,
                    found: 4,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.is_missing_dependency());
    }

    #[test]
    fn consecutive_updates_pass_and_a_skipped_one_does_not() {
        let source = BoardDoc::new(Doc::with_client_id(7));
        let (_, first) = source.change("l", |t, b| b.put(t, &shape("a"))).unwrap();
        let (_, second) = source.change("l", |t, b| b.put(t, &shape("b"))).unwrap();
        let target = Doc::new();
        let sv = |d: &Doc| d.transact().state_vector();
        assert!(matches!(
            decode(&second, &sv(&target)),
            Err(Refused::Gap { .. })
        ));
        let u = decode(&first, &sv(&target)).unwrap();
        target.transact_mut().apply_update(u).unwrap();
        let u = decode(&second, &sv(&target)).unwrap();
        target.transact_mut().apply_update(u).unwrap();
        // Overlapping what is known is fine (the same update again).
        assert!(decode(&first, &sv(&target)).is_ok());
    }

    #[test]
    fn a_delete_of_clocks_nobody_holds_is_refused_until_they_arrive() {
        let source = BoardDoc::new(Doc::with_client_id(7));
        let (_, put) = source.change("l", |t, b| b.put(t, &shape("a"))).unwrap();
        let (_, delete) = source.change("l", |t, b| b.remove(t, "a")).unwrap();
        let target = Doc::new();
        let sv = |d: &Doc| d.transact().state_vector();
        assert!(matches!(
            decode(&delete, &sv(&target)),
            Err(Refused::DanglingDelete { .. })
        ));
        let u = decode(&put, &sv(&target)).unwrap();
        target.transact_mut().apply_update(u).unwrap();
        assert!(decode(&delete, &sv(&target)).is_ok());
        // Inserts and the deletes of them in one update (a whole-state step 2) pass.
        let whole = source
            .doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        assert!(decode(&whole, &StateVector::default()).is_ok());
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        assert!(matches!(
            decode(&[1, 2, 3], &StateVector::default()),
            Err(Refused::Malformed(_))
        ));
    }
}
