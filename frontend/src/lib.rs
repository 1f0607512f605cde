//! The board's browser app: a Leptos single-page app, client-side rendered.
//!
//! `auth`, `config`, `api::classify` and `i18n` are plain Rust with native tests; the
//! rest needs a browser.

pub mod api;
pub mod app;
pub mod auth;
pub mod browser;
pub mod config;
pub mod i18n;
pub mod json;
pub mod load;
pub mod oauth;
pub mod pages;
pub mod router;
pub mod start;
pub mod state;
