//! The similarity stage: pairs responses of different models to the same
//! conversation, scores each pair once with ROUGE-1/2/L and METEOR, and keeps
//! what the tables need. Pure computation over in-memory batches; reading,
//! writing and threads are driven by `cmd::similarity`.

pub mod aggregate;
pub mod pairs;
pub mod tables;
