//! Which of this device's changes the server has not confirmed yet: what the status counts as
//! "saved only on this device", and which local copies the browser may forget.
//!
//! The server stores an update before anyone receives it, so whatever comes from the server is
//! stored there. This tracks, from the frames the server sends (its sync step 1's state vector,
//! the updates and step 2s it sends), how far each client's insertions reach there and which
//! deletions it holds; a local change is confirmed once all it inserted and deleted is covered.
//! The server never stores an update with a hole in a client's clocks (`guard`), so holding
//! clock `n` of a client means holding all below it. Changes are tagged by the caller (the
//! browser uses its local copy's key) and grouped: one gesture (a pen stroke sends many updates)
//! is one change to the person.

use yrs::updates::decoder::Decode;
use yrs::{ClientID, IdSet, StateVector, Update};

/// The unconfirmed local changes, and what the server is known to hold.
#[derive(Default)]
pub struct Unsent {
    server_clocks: StateVector,
    server_deletes: IdSet,
    pending: Vec<Pending>,
}

struct Pending {
    tag: u64,
    group: u64,
    /// Per client, the end of the highest clock range it inserted.
    inserted: Vec<(ClientID, u32)>,
    deleted: IdSet,
}

impl Unsent {
    /// A local update, tagged, part of the change `group`; one that cannot be decoded, or
    /// changes nothing, is not counted.
    pub fn add(&mut self, tag: u64, group: u64, update: &[u8]) {
        let Ok(update) = Update::decode_v1(update) else {
            return;
        };
        let inserted: Vec<(ClientID, u32)> = update
            .insertions(true)
            .iter()
            .filter_map(|(client, ranges)| ranges.iter().map(|r| r.end).max().map(|e| (*client, e)))
            .collect();
        let deleted = update.delete_set().clone();
        if inserted.is_empty() && deleted.is_empty() {
            return;
        }
        self.pending.push(Pending {
            tag,
            group,
            inserted,
            deleted,
        });
    }

    /// The server's state vector (its sync step 1).
    pub fn server_state(&mut self, sv: &StateVector) {
        for (client, clock) in sv.iter() {
            self.server_clocks.set_max(*client, *clock);
        }
    }

    /// An update (or step 2) the server sent: it holds all of it.
    pub fn server_update(&mut self, update: &[u8]) {
        let Ok(update) = Update::decode_v1(update) else {
            return;
        };
        for (client, ranges) in update.insertions(true).iter() {
            if let Some(end) = ranges.iter().map(|r| r.end).max() {
                self.server_clocks.set_max(*client, end);
            }
        }
        self.server_deletes.merge_with(update.delete_set().clone());
    }

    /// Removes the changes the server now holds and returns their tags.
    pub fn take_confirmed(&mut self) -> Vec<u64> {
        let (clocks, deletes) = (&self.server_clocks, &self.server_deletes);
        let mut confirmed = Vec::new();
        self.pending.retain(|p| {
            let inserted = p
                .inserted
                .iter()
                .all(|(client, end)| clocks.get(client) >= *end);
            let deleted = p.deleted.is_empty() || {
                let mut left = p.deleted.clone();
                left.diff_with(deletes);
                left.is_empty()
            };
            let held = inserted && deleted;
            if held {
                confirmed.push(p.tag);
            }
            !held
        });
        confirmed
    }

    /// How many local changes (groups) the server has not confirmed.
    pub fn len(&self) -> usize {
        let mut groups: Vec<u64> = self.pending.iter().map(|p| p.group).collect();
        groups.sort_unstable();
        groups.dedup();
        groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::Unsent;
    use yrs::updates::decoder::Decode;
    use yrs::{Doc, Map, ReadTxn, StateVector, Transact, Update};

    fn change(doc: &Doc, f: impl FnOnce(&mut yrs::TransactionMut, &yrs::MapRef)) -> Vec<u8> {
        let map = doc.get_or_insert_map("shapes");
        let mut txn = doc.transact_mut();
        f(&mut txn, &map);
        txn.encode_update_v1()
    }

    #[test]
    fn a_change_is_confirmed_when_the_server_sends_it_back() {
        let doc = Doc::with_client_id(1);
        let mut unsent = Unsent::default();
        let a = change(&doc, |t, m| {
            m.insert(t, "a", 1);
        });
        let b = change(&doc, |t, m| {
            m.insert(t, "b", 2);
        });
        unsent.add(10, 1, &a);
        unsent.add(11, 2, &b);
        assert_eq!(unsent.len(), 2);
        unsent.add(
            12,
            2,
            &change(&doc, |t, m| {
                m.insert(t, "c", 3);
            }),
        );
        assert_eq!(unsent.len(), 2, "two updates of one change count once");
        unsent.server_update(&a);
        assert_eq!(unsent.take_confirmed(), [10]);
        assert_eq!(unsent.len(), 1);
        // The server's state vector covering b confirms it too.
        unsent.server_state(&doc.transact().state_vector());
        assert_eq!(unsent.take_confirmed(), [11, 12]);
        assert!(unsent.is_empty());
    }

    #[test]
    fn a_deletion_waits_for_the_server_to_hold_it() {
        let doc = Doc::with_client_id(1);
        let mut unsent = Unsent::default();
        let add = change(&doc, |t, m| {
            m.insert(t, "a", 1);
        });
        unsent.server_update(&add);
        let delete = change(&doc, |t, m| {
            m.remove(t, "a");
        });
        unsent.add(1, 1, &delete);
        // A state vector says nothing of deletions.
        unsent.server_state(&doc.transact().state_vector());
        assert!(unsent.take_confirmed().is_empty());
        // The server's step 2 carries its whole delete set.
        let step2 = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        unsent.server_update(&step2);
        assert_eq!(unsent.take_confirmed(), [1]);
    }

    #[test]
    fn another_clients_changes_confirm_nothing_of_ours() {
        let ours = Doc::with_client_id(1);
        let theirs = Doc::with_client_id(2);
        let mut unsent = Unsent::default();
        unsent.add(
            5,
            1,
            &change(&ours, |t, m| {
                m.insert(t, "x", 1);
            }),
        );
        let other = change(&theirs, |t, m| {
            m.insert(t, "y", 1);
        });
        unsent.server_update(&other);
        assert!(unsent.take_confirmed().is_empty());
        assert!(Update::decode_v1(&other).is_ok());
        // Garbage is ignored, not counted.
        unsent.add(6, 2, &[0xff, 0x01]);
        assert_eq!(unsent.len(), 1);
    }
}
