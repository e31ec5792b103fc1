//! Hash banks and the multi-index search: always the same answer as a scan of every hash.

use std::path::PathBuf;

use lurewatch_image::Pdq;
use lurewatch_image::index::{Bank, DEFAULT_DISTANCE, Index};
use proptest::prelude::*;

fn flip(h: Pdq, bits: &[u8]) -> Pdq {
    let mut w = h.0;
    for &b in bits {
        w[usize::from(b) / 16] ^= 1 << (b % 16);
    }
    Pdq(w)
}

fn hash() -> impl Strategy<Value = Pdq> {
    proptest::array::uniform16(any::<u16>()).prop_map(Pdq)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_index_finds_exactly_what_a_scan_finds(
        bases in proptest::collection::vec(hash(), 1..20),
        noise in proptest::collection::vec((0usize..20, proptest::collection::vec(any::<u8>(), 0..48)), 0..200),
        query_base in 0usize..20,
        query_flips in proptest::collection::vec(any::<u8>(), 0..40),
        distance in 0u32..=48,
    ) {
        // Clusters of near copies, so that many hashes fall around any distance.
        let mut hashes = bases.clone();
        for (b, bits) in &noise {
            hashes.push(flip(bases[b % bases.len()], bits));
        }
        let index = Index::new(hashes);
        let query = flip(bases[query_base % bases.len()], &query_flips);
        prop_assert_eq!(index.query(&query, distance), index.scan(&query, distance));
    }
}

#[test]
fn the_reference_needles_are_found_in_the_haystack() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pdq/images/reg-test-input");
    assert!(dir.is_dir(), "the PDQ test data is missing: expected {}", dir.display());
    let read = |f: &str| {
        let (bank, errors) = Bank::parse(&std::fs::read_to_string(dir.join(f)).unwrap());
        assert!(errors.is_empty(), "{f}: {errors:?}");
        bank
    };
    let (needles, haystack) = (read("needles.txt"), read("haystack.txt"));
    assert_eq!((needles.entries.len(), haystack.entries.len()), (100, 1350));
    let index = Index::new(haystack.entries.iter().map(|e| e.hash).collect());
    let mut matched = 0;
    for n in &needles.entries {
        let found = index.query(&n.hash, DEFAULT_DISTANCE);
        assert_eq!(found, index.scan(&n.hash, DEFAULT_DISTANCE));
        matched += usize::from(!found.is_empty());
    }
    assert!(matched > 50, "{matched} of 100 needles have a match within 31");
}

#[test]
fn banks_read_the_plain_csv_and_reference_forms() {
    let h = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
    let text = format!(
        "hash,quality,label\n{h}\n# a comment\n\n{h},42,case 7, photo 2\nhash={h},norm=128,delta=0,quality=90,filename=a.jpg\nnot-a-hash\n{h},101\n"
    );
    let (bank, errors) = Bank::parse(&text);
    assert_eq!(bank.entries.len(), 3);
    assert_eq!((bank.entries[0].quality, bank.entries[0].label.as_str()), (100, ""));
    assert_eq!((bank.entries[1].quality, bank.entries[1].label.as_str()), (42, "case 7,photo 2"));
    assert_eq!((bank.entries[2].quality, bank.entries[2].label.as_str()), (90, "a.jpg"));
    assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [7, 8]);
    assert!(errors[1].to_string().contains("quality"));
    // Written out and read back, nothing changes.
    let (again, errors) = Bank::parse(&bank.to_text());
    assert!(errors.is_empty());
    assert_eq!(again, bank);
    // Low-quality hashes are not indexed.
    let (index, kept) = Index::from_bank(&bank);
    assert_eq!((index.len(), kept), (2, vec![0, 2]));
}
