-- Hash banks: lists of PDQ hashes that platforms match images against. `admin` banks are
-- imported by the desk's administrators; `victim` banks are made by victims protecting
-- their own pictures (hashed in their browser) and can be withdrawn with a case number and
-- PIN (only its Argon2id hash is stored).

CREATE TABLE hash_banks (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    pin_hash TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE bank_hashes (
    bank_id TEXT NOT NULL REFERENCES hash_banks (id),
    hash TEXT NOT NULL,
    quality BIGINT NOT NULL,
    label TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (bank_id, hash)
);
