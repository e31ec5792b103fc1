//! Model files: any bytes are read or refused with an error, never a panic or an
//! allocation beyond the file's own size. Half the inputs get a valid checksum appended,
//! so the header and weight parsers behind it are reached too.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lurewatch_model::Model;
use lurewatch_model::model::{FORMAT_VERSION, checksum};

fuzz_target!(|data: &[u8]| {
    let _ = Model::from_bytes(data);
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode & 1 == 1 {
        let mut bytes = b"LWMODEL\n".to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(rest);
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum.to_le_bytes());
        if let Ok(model) = Model::from_bytes(&bytes) {
            // What was read writes back to the same bytes.
            assert_eq!(Model::from_bytes(&model.to_bytes()).ok(), Some(model));
        }
    }
});
