//! Who may call what: the permission checks every endpoint shares, kept in one place.

use axum::http::{header, HeaderMap};

use crate::error::AppError;

/// Refuses browser requests from a foreign origin (cross-site WebSocket hijacking, cross-site
/// uploads). Same-origin requests and the origins listed in `WB_ALLOWED_ORIGINS` pass; so do
/// requests without `Origin`, which come from native or Node clients that no web page can drive.
pub fn check_origin(headers: &HeaderMap, allowed: &[String]) -> Result<(), AppError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    let same_origin = !host.is_empty() && origin_host.eq_ignore_ascii_case(host);
    let listed = allowed
        .iter()
        .any(|a| a.trim().trim_end_matches('/').eq_ignore_ascii_case(origin));
    if same_origin || listed {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "Requests from origin {origin} are not allowed."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().unwrap());
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, origin.parse().unwrap());
        }
        headers
    }

    #[test]
    fn no_origin_and_the_same_origin_pass() {
        assert!(check_origin(&headers("board.test:3000", None), &[]).is_ok());
        let same = headers("board.test:3000", Some("http://board.test:3000"));
        assert!(check_origin(&same, &[]).is_ok());
    }

    #[test]
    fn listed_origins_pass_and_others_are_forbidden() {
        let allowed = ["https://app.example.com/".to_owned()];
        let listed = headers("board.test", Some("https://app.example.com"));
        assert!(check_origin(&listed, &allowed).is_ok());
        for foreign in [
            "https://evil.example",
            "null",
            "http://board.test.evil.example",
        ] {
            let refused = check_origin(&headers("board.test", Some(foreign)), &allowed);
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{foreign}");
        }
    }
}
