//! wildstat-metrics: pure, I/O-free text similarity metrics with exact
//! parity to the Python references (rouge-score 0.1.2, NLTK 3.10.4).

pub mod meteor;
pub mod porter;
pub mod pylower;
pub mod wordnet;
