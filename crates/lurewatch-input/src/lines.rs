//! A line reader with a bound on line length and 1-based line numbers.

use std::io::{self, BufRead};

/// A line, or the length of a line that was too long and skipped.
pub(crate) enum Line<'a> {
    Ok(&'a [u8]),
    TooLong(usize),
}

pub(crate) struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    number: u64,
    max: usize,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(reader: R, max: usize) -> Self {
        Lines { reader, buf: Vec::new(), number: 0, max }
    }

    /// The next line (number and bytes, without the line ending), or `None` at the end.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<(u64, Line<'_>)>> {
        self.buf.clear();
        let mut skipped = 0usize;
        let mut any = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if skipped == 0 && self.buf.len() + take <= self.max.saturating_add(2) {
                self.buf.extend_from_slice(&chunk[..take]);
            } else {
                skipped = skipped.max(self.buf.len()) + take;
                self.buf.clear();
            }
            self.reader.consume(take);
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.number += 1;
        if skipped > 0 {
            return Ok(Some((self.number, Line::TooLong(skipped))));
        }
        let mut line = &self.buf[..];
        if let Some(l) = line.strip_suffix(b"\n") {
            line = l;
        }
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        if self.number == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        Ok(Some((self.number, Line::Ok(line))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_skips_long_ones() {
        let input = b"\xEF\xBB\xBFone\r\ntwo that is long\nthree";
        let mut lines = Lines::new(&input[..], 8);
        let mut got = Vec::new();
        while let Some((_, l)) = lines.next_line().unwrap() {
            got.push(match l {
                Line::Ok(b) => String::from_utf8(b.to_vec()).unwrap(),
                Line::TooLong(n) => format!("<{n}>"),
            });
        }
        assert_eq!(got, ["one", "<17>", "three"]);
    }
}
