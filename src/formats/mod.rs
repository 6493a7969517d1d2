//! One module per input format: each turns text into the shared model.

pub mod kubernetes;
pub mod yaml;
