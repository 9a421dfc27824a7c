-- Boards and their Yjs history.
--
-- A board's document = its latest snapshot (if any) + every update with a larger seq, applied in
-- seq order. Updates are appended (and committed) before they are sent to any peer; compaction
-- writes a snapshot and deletes the updates it folded, in one transaction. Older snapshots are
-- kept (a few) for version history.

CREATE TABLE boards (
    id          TEXT PRIMARY KEY NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,  -- unix milliseconds
    updated_at  INTEGER NOT NULL
);

CREATE TABLE board_updates (
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    data        BLOB NOT NULL,     -- Yjs update, v1 encoding
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (board_id, seq)
) WITHOUT ROWID;

CREATE TABLE board_snapshots (
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,  -- the last update folded into this snapshot
    data        BLOB NOT NULL,     -- encode_state_as_update_v1 of the whole document
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (board_id, seq)
) WITHOUT ROWID;
