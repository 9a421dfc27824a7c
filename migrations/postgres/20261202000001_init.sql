-- The PostgreSQL schema for clusters: the SQLite migrations' final state (../*.sql, where each
-- table's purpose is told at length), in PostgreSQL types: TEXT ids, BIGINT unix milliseconds
-- and sequence numbers, BYTEA data. Several server processes ("nodes") share this database.

-- Boards. `last_seq` is the board's sequence counter: the number of its last stored update.
-- Appends take their numbers from it in the transaction that inserts them, holding the row
-- lock, so numbers are gap-free and commit in order whichever node writes. Compaction leaves it.
CREATE TABLE boards (
    id          TEXT PRIMARY KEY NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,  -- unix milliseconds
    updated_at  BIGINT NOT NULL,
    deleted_at  BIGINT,           -- unix milliseconds; NULL for a live board (see delete_board)
    last_seq    BIGINT NOT NULL DEFAULT 0
);

-- A board's document = its latest snapshot (if any) + every update with a larger seq, in order.
CREATE TABLE board_updates (
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    data        BYTEA NOT NULL,   -- Yjs update, v1 encoding
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (board_id, seq)
);

-- Compaction writes a snapshot and deletes the updates it folded, in one transaction; the
-- newest few snapshots are kept.
CREATE TABLE board_snapshots (
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,  -- the last update folded into this snapshot
    data        BYTEA NOT NULL,   -- encode_state_as_update_v1 of the whole document
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (board_id, seq)
);

-- Images placed on boards, keyed by the SHA-256 of their bytes; `size` is summed for the quota.
CREATE TABLE images (
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,    -- lowercase hex SHA-256 of `bytes`
    mime        TEXT NOT NULL,    -- from the magic bytes: image/png, image/jpeg, image/gif, image/webp
    size        BIGINT NOT NULL,  -- length of `bytes`
    created_at  BIGINT NOT NULL,  -- unix milliseconds
    bytes       BYTEA NOT NULL,
    PRIMARY KEY (board_id, id)
);

-- Links with roles: the SHA-256 of each token. A board without a row here is open.
CREATE TABLE board_links (
    board_id     TEXT PRIMARY KEY NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    edit_hash    BYTEA NOT NULL,
    view_hash    BYTEA NOT NULL,
    manage_hash  BYTEA NOT NULL,
    updated_at   BIGINT NOT NULL  -- unix milliseconds of the creation or last reset
);

-- Versions of a board for its History panel: the whole document as it was at a moment.
CREATE TABLE board_versions (
    board_id    TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    id          BIGINT NOT NULL,  -- per board, ascending
    created_at  BIGINT NOT NULL,  -- unix milliseconds
    seq         BIGINT NOT NULL,  -- the last stored update it holds
    reason      TEXT NOT NULL,    -- 'edit', 'restore' (before a restore), 'import' (before one)
    editors     TEXT NOT NULL,    -- JSON array of the names seen editing since the last version
    size        BIGINT NOT NULL,  -- length of `data`
    data        BYTEA NOT NULL,
    PRIMARY KEY (board_id, id)
);

-- The version pruning looks for old versions across all boards.
CREATE INDEX board_versions_created_at ON board_versions (created_at);
