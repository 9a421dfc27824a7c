//! `/boards/{board}/images`: the bytes behind the Image tool.
//!
//! A board's Yjs document references an image by URL only; the bytes are uploaded here and
//! stored under their SHA-256, so the same image uploaded twice is stored once and a URL never
//! changes what it points to (hence the year-long `immutable` caching). Only PNG, JPEG, GIF and
//! WebP are accepted, recognised by their magic bytes, never by `Content-Type`; they are served
//! back with `nosniff` and a policy that forbids everything, so no upload can become a page that
//! runs script (SVG is refused for that reason).
//!
//! Upload answers: 201 stored, 200 already stored, 400 bad board id or a body cut short, 403
//! foreign origin, 404 board never created, 408 body too slow, 413 image too large (by its
//! `Content-Length`, before reading) or board full, 415 not an accepted image, 429 too many
//! uploads from one address, 503 too many upload bytes in memory, 507 server storage full.
//! Download answers: 200, 400 malformed board or image id, 404 unknown.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use board::BoardId;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::access::{self, check_origin, KeyParam};
use crate::clients::ClientAddr;
use crate::error::AppError;
use crate::store::ImagePut;
use crate::AppState;

/// The image formats a board accepts: ones every browser shows and none that can run script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageFormat {
    /// Recognises an image by its first bytes (its magic number).
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
            Some(Self::Webp)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
        }
    }
}

/// An image's id: the lowercase hex SHA-256 of its bytes (64 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageId(String);

/// Why a string is not an image id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an image id is 64 lowercase hexadecimal characters")]
pub struct ImageIdError;

impl ImageId {
    pub fn of(bytes: &[u8]) -> Self {
        Self(format!("{:x}", Sha256::digest(bytes)))
    }

    pub fn parse(s: &str) -> Result<Self, ImageIdError> {
        let ok = s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ImageIdError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ImageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An upload recognised as an image of an accepted format.
#[derive(Debug, Clone)]
pub struct Image {
    pub id: ImageId,
    pub format: ImageFormat,
    pub bytes: Bytes,
}

impl Image {
    /// `None` when the bytes are not a PNG, JPEG, GIF or WebP image (an empty body included).
    pub fn from_bytes(bytes: Bytes) -> Option<Self> {
        let format = ImageFormat::sniff(&bytes)?;
        Some(Self {
            id: ImageId::of(&bytes),
            format,
            bytes,
        })
    }
}

#[derive(serde::Serialize)]
struct Uploaded {
    id: String,
    url: String,
    mime: &'static str,
    bytes: usize,
}

/// `POST /boards/{board}/images`, body = the image. Everything that can refuse the upload
/// without its bytes (origin, declared length, rate, storage, board) is checked before the body
/// is read; the body is then read within `WB_BODY_TIMEOUT_SECS`, holding its place in the
/// server's budget of upload bytes in memory.
pub async fn upload(
    Path(board): Path<String>,
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    Query(key): Query<KeyParam>,
    body: Body,
) -> Result<Response, AppError> {
    let board = BoardId::parse(&board)?;
    let rooms = &state.rooms;
    let config = rooms.config();
    let metrics = rooms.metrics();
    check_origin(&headers, config)?;
    let max = config.max_image_bytes;
    let too_large = || AppError::TooLarge(format!("An image may be at most {max} bytes."));
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    if !rooms.clients().may_upload(client) {
        metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
        return Err(AppError::TooManyRequests(
            "Too many uploads from your address; wait a minute.".into(),
        ));
    }
    if rooms.storage_full() {
        metrics.refused_storage_full.fetch_add(1, Ordering::Relaxed);
        return Err(AppError::storage_full());
    }
    if !rooms.store().board_exists(&board).await? {
        return Err(AppError::NotFound("No such board.".into()));
    }
    access::require_edit(rooms.store().as_ref(), &board, key.key.as_deref()).await?;
    let reserve = declared.map_or(max, |n| n as usize).max(1);
    let _reserved = u32::try_from(reserve)
        .ok()
        .and_then(|n| {
            state
                .uploads_in_flight
                .clone()
                .try_acquire_many_owned(n)
                .ok()
        })
        .ok_or_else(|| {
            metrics.refused_at_limit.fetch_add(1, Ordering::Relaxed);
            AppError::Unavailable("Too many uploads in progress; try again shortly.".into())
        })?;
    let body = tokio::time::timeout(config.body_timeout(), read_body(body, max))
        .await
        .map_err(|_| AppError::Timeout("The upload took too long to arrive.".into()))?
        .map_err(|e| match e {
            ReadError::TooLarge => too_large(),
            ReadError::Broken(e) => AppError::BadRequest(format!("The upload was cut short: {e}")),
        })?;
    let image = Image::from_bytes(body).ok_or_else(|| {
        AppError::UnsupportedMediaType("Only PNG, JPEG, GIF and WebP images are accepted.".into())
    })?;
    let quota = config.max_board_image_bytes;
    let status = match rooms.store().put_image(&board, &image, quota).await? {
        ImagePut::Stored => {
            metrics.images_stored.fetch_add(1, Ordering::Relaxed);
            metrics
                .image_bytes_stored
                .fetch_add(image.bytes.len() as u64, Ordering::Relaxed);
            StatusCode::CREATED
        }
        ImagePut::AlreadyStored => StatusCode::OK,
        ImagePut::BoardFull => {
            return Err(AppError::TooLarge(format!(
                "This board is full: its images may take {quota} bytes in all."
            )))
        }
        ImagePut::NoSuchBoard => return Err(AppError::NotFound("No such board.".into())),
    };
    let body = Uploaded {
        url: format!("/boards/{board}/images/{}", image.id),
        id: image.id.to_string(),
        mime: image.format.mime(),
        bytes: image.bytes.len(),
    };
    Ok((status, Json(body)).into_response())
}

enum ReadError {
    TooLarge,
    Broken(axum::Error),
}

/// Reads a body whole, stopping at the first byte past `max`.
async fn read_body(body: Body, max: usize) -> Result<Bytes, ReadError> {
    let mut stream = body.into_data_stream();
    let mut bytes = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(ReadError::Broken)?;
        if bytes.len() + chunk.len() > max {
            return Err(ReadError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.freeze())
}

/// `GET /boards/{board}/images/{id}`: the bytes, cacheable forever since the id is their hash.
pub async fn download(
    Path((board, id)): Path<(String, String)>,
    Query(key): Query<KeyParam>,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let board = BoardId::parse(&board)?;
    let id = ImageId::parse(&id)?;
    // Whoever may see the board (either key) may see its images.
    access::role(state.rooms.store().as_ref(), &board, key.key.as_deref())
        .await?
        .ok_or_else(access::no_such_link)?;
    let image = state
        .rooms
        .store()
        .get_image(&board, &id)
        .await?
        .ok_or_else(|| AppError::NotFound("No such image.".into()))?;
    Ok((
        [(header::CONTENT_TYPE, image.mime)],
        [
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            // A file that is both a PNG and an HTML page, opened directly, runs nothing.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            ),
            (header::CONTENT_DISPOSITION, "inline"),
        ],
        image.bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_accepted_format_by_its_magic_bytes() {
        let cases: [(&[u8], ImageFormat); 5] = [
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", ImageFormat::Png),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", ImageFormat::Jpeg),
            (b"GIF87a\x01\0\x01\0", ImageFormat::Gif),
            (b"GIF89a\x01\0\x01\0", ImageFormat::Gif),
            (b"RIFF\x24\0\0\0WEBPVP8 ", ImageFormat::Webp),
        ];
        for (bytes, format) in cases {
            assert_eq!(ImageFormat::sniff(bytes), Some(format), "{bytes:?}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        let cases: [&[u8]; 10] = [
            b"",
            b"\x89PNG\r\n\x1a",        // PNG signature cut short
            b"\xff\xd8",               // JPEG SOI without a marker
            b"GIF88a\x01\0",           // no such GIF version
            b"RIFF\x24\0\0\0WAVEfmt ", // RIFF, but audio
            b"RIFF\x24\0\0\0WEB",      // WebP cut short
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"<!doctype html><script>alert(1)</script>",
            b"BM\x36\0\0\0", // BMP
            b"%PDF-1.7",
        ];
        for bytes in cases {
            assert_eq!(ImageFormat::sniff(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn the_content_decides_the_type_not_a_claimed_prefix_later_on() {
        let mut html_then_png = b"<html>".to_vec();
        html_then_png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        assert_eq!(ImageFormat::sniff(&html_then_png), None);
    }

    #[test]
    fn an_image_id_is_the_hex_sha256_of_its_bytes() {
        let id = ImageId::of(b"abc");
        assert_eq!(
            id.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(ImageId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn malformed_image_ids_are_refused() {
        let upper = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        for bad in [
            "",
            "abc",
            upper,
            &"g".repeat(64),
            &"a".repeat(65),
            "../etc/passwd",
        ] {
            assert_eq!(ImageId::parse(bad), Err(ImageIdError), "{bad}");
        }
    }

    #[test]
    fn an_upload_that_is_not_an_image_is_refused() {
        assert!(Image::from_bytes(Bytes::new()).is_none());
        assert!(Image::from_bytes(Bytes::from_static(b"hello")).is_none());
        let png = Image::from_bytes(Bytes::from_static(b"\x89PNG\r\n\x1a\nrest")).unwrap();
        assert_eq!(png.format.mime(), "image/png");
        assert_eq!(png.id, ImageId::of(b"\x89PNG\r\n\x1a\nrest"));
    }
}
