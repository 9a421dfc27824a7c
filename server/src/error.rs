//! Errors a handler returns: logged with their cause, shown to the client as a plain message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request itself is wrong; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// The request is not allowed from where it came (e.g. a foreign `Origin`).
    #[error("{0}")]
    Forbidden(String),
    /// A limit is reached; the client may retry later.
    #[error("{0}")]
    Unavailable(String),
    /// Storage failed; the cause goes to the log only.
    #[error("storage error")]
    Store(#[from] crate::store::StoreError),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::BadRequest(msg) => (StatusCode::BAD_REQUEST, msg).into_response(),
            AppError::Forbidden(msg) => (StatusCode::FORBIDDEN, msg).into_response(),
            AppError::Unavailable(msg) => (StatusCode::SERVICE_UNAVAILABLE, msg).into_response(),
            AppError::Store(e) => {
                tracing::error!(error = %e, "storage error");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The board storage is unavailable; try again shortly.",
                )
                    .into_response()
            }
        }
    }
}
