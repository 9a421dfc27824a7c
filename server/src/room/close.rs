//! The reasons a room closes a connection: a WebSocket close code and its text, shared with
//! the HTTP fallback.

/// How a room tells a connection to close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseReason {
    pub code: u16,
    pub reason: &'static str,
}

impl CloseReason {
    pub const SLOW_READER: CloseReason = CloseReason {
        code: 1013,
        reason: "outbound queue full; reconnect to resync",
    };
    pub const RATE_LIMIT: CloseReason = CloseReason {
        code: 1008,
        reason: "rate limit exceeded",
    };
    pub const PRESENCE_LIMIT: CloseReason = CloseReason {
        code: 1008,
        reason: "too many or too large presences",
    };
    pub const STORAGE: CloseReason = CloseReason {
        code: 1011,
        reason: "storage unavailable",
    };
    pub const INVALID_UPDATE: CloseReason = CloseReason {
        code: 1007,
        reason: "invalid update",
    };
    pub const BOARD_FULL: CloseReason = CloseReason {
        code: 1008,
        reason: "board size limit reached",
    };
    pub const KEEPS_REFUSED: CloseReason = CloseReason {
        code: 1007,
        reason: "updates depend on changes never sent; reconnect to resync",
    };
    pub const BROKE_DOCUMENT: CloseReason = CloseReason {
        code: 1007,
        reason: "update could not be applied",
    };
    pub const STORAGE_FULL: CloseReason = CloseReason {
        code: 1013,
        reason: "server storage full; changes are kept in the browser",
    };
    pub const SHUTDOWN: CloseReason = CloseReason {
        code: 1001,
        reason: "server shutting down",
    };
    /// The board's links were reset: the key this connection came with opens nothing now.
    pub const LINK_RESET: CloseReason = CloseReason {
        code: 4001,
        reason: "this board link was reset; ask for a new link",
    };
    /// A view-only connection sent a change.
    pub const VIEW_ONLY: CloseReason = CloseReason {
        code: 4003,
        reason: "view-only link: changes are not accepted",
    };
    pub const MALFORMED: CloseReason = CloseReason {
        code: 1007,
        reason: "malformed message",
    };
    /// The board's manager deleted the board.
    pub const DELETED: CloseReason = CloseReason {
        code: 4004,
        reason: "this board was deleted",
    };
    /// An HTTP fallback session nobody polled for its idle time.
    pub const EXPIRED: CloseReason = CloseReason {
        code: 1001,
        reason: "session expired",
    };
}
