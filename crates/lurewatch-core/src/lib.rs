mod t2s { include!(concat!(env!("OUT_DIR"), "/t2s.rs")); }
pub fn n() -> usize { t2s::T2S.len() }
