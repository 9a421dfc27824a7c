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
    /// What the request names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The body, or what it would add up to, is past a size limit.
    #[error("{0}")]
    TooLarge(String),
    /// The body is not of a kind this endpoint accepts.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The client asked too often; it may retry in a minute.
    #[error("{0}")]
    TooManyRequests(String),
    /// The request body did not arrive in time.
    #[error("{0}")]
    Timeout(String),
    /// Storage is past its budget or the disk nearly full; nothing was written.
    #[error("{0}")]
    InsufficientStorage(String),
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
            AppError::NotFound(msg) => (StatusCode::NOT_FOUND, msg).into_response(),
            AppError::TooLarge(msg) => (StatusCode::PAYLOAD_TOO_LARGE, msg).into_response(),
            AppError::UnsupportedMediaType(msg) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, msg).into_response()
            }
            AppError::TooManyRequests(msg) => (
                StatusCode::TOO_MANY_REQUESTS,
                [(axum::http::header::RETRY_AFTER, "60")],
                msg,
            )
                .into_response(),
            AppError::Timeout(msg) => (StatusCode::REQUEST_TIMEOUT, msg).into_response(),
            AppError::InsufficientStorage(msg) => {
                (StatusCode::INSUFFICIENT_STORAGE, msg).into_response()
            }
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

impl From<board::BoardIdError> for AppError {
    fn from(e: board::BoardIdError) -> Self {
        AppError::BadRequest(e.to_string())
    }
}

impl From<crate::images::ImageIdError> for AppError {
    fn from(e: crate::images::ImageIdError) -> Self {
        AppError::BadRequest(e.to_string())
    }
}

impl AppError {
    /// The answer to a write while storage is full.
    pub fn storage_full() -> Self {
        AppError::InsufficientStorage(
            "The server's storage is full; nothing was saved. Try again later.".into(),
        )
    }
}
