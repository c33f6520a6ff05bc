pub mod include;
pub mod normalize;
pub mod parse;
pub mod scan;

pub use scan::{detect, ingest};
