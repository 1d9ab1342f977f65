//! Parsing the trace dump the kernel writes to COM2 at exit.
//!
//! Design note: the framing (header, one chunk per core, trailer) and the
//! event codec are defined once in `gmp_sched::trace`; this module only
//! walks the framing and turns every way it can be wrong into one sentence
//! that says what was found and where (an empty file usually means the
//! kernel never reached its dump). Events a full buffer dropped are not an
//! error: the chunk headers count them and [`Dump::drop_warnings`] says so.

use std::fmt;

use gmp_sched::trace::{ChunkHeader, DecodeError, Decoder, Event, Header, MAGIC, TRAILER, VERSION};

/// A decoded dump: the header and, per core, its chunk header and events
/// (in the order that core recorded them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dump {
    pub header: Header,
    pub chunks: Vec<(ChunkHeader, Vec<Event>)>,
}

/// Why a dump could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DumpError {
    /// Zero bytes: the kernel never wrote its dump.
    Empty,
    /// The first bytes are not `GMPTRACE`.
    BadMagic,
    /// Written by a kernel with another format version.
    BadVersion { found: u32 },
    /// The bytes end inside `what` (at byte `offset` of the file).
    Truncated { what: String, offset: usize },
    /// A chunk's events do not decode.
    Decode { m: u32, error: DecodeError },
    /// A chunk decodes to another number of events than its header says.
    CountMismatch { m: u32, header: u64, decoded: u64 },
    /// Something other than the trailer after the last chunk.
    BadTrailer { offset: usize },
}

impl fmt::Display for DumpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DumpError::Empty => f.write_str(
                "the trace dump is empty: the kernel did not reach its dump, which it writes when the workload ends",
            ),
            DumpError::BadMagic => f.write_str(
                "the trace dump does not start with GMPTRACE: it is not a gmp-metal trace dump",
            ),
            DumpError::BadVersion { found } => write!(
                f,
                "the trace dump has format version {found}, this runner reads version {VERSION}: rebuild both from the same tree"
            ),
            DumpError::Truncated { what, offset } => write!(
                f,
                "the trace dump is truncated: it ends inside {what} (at byte {offset}); did QEMU stop before the kernel finished writing it?"
            ),
            DumpError::Decode { m, error } => {
                write!(f, "the trace chunk of M{m} does not decode: {error}")
            }
            DumpError::CountMismatch { m, header, decoded } => write!(
                f,
                "the trace chunk of M{m} holds {decoded} events but its header says {header}"
            ),
            DumpError::BadTrailer { offset } => write!(
                f,
                "the trace dump has no GMPTEND trailer after its last chunk (at byte {offset})"
            ),
        }
    }
}

impl std::error::Error for DumpError {}

/// A cursor over the dump's bytes that reports truncation with context.
struct Bytes<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize, what: impl FnOnce() -> String) -> Result<&'a [u8], DumpError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let Some(end) = end else {
            return Err(DumpError::Truncated {
                what: what(),
                offset: self.b.len(),
            });
        };
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
}

impl Dump {
    /// Decode a whole dump.
    pub fn parse(bytes: &[u8]) -> Result<Dump, DumpError> {
        if bytes.is_empty() {
            return Err(DumpError::Empty);
        }
        if !MAGIC.starts_with(&bytes[..bytes.len().min(MAGIC.len())]) {
            return Err(DumpError::BadMagic);
        }
        let mut cur = Bytes { b: bytes, at: 0 };
        let raw = cur.take(MAGIC.len() + Header::SIZE, || "the header".into())?;
        let version = u32::from_le_bytes(raw[8..12].try_into().unwrap());
        let header = Header::from_bytes(raw).ok_or(DumpError::BadVersion { found: version })?;
        let mut chunks = Vec::with_capacity(header.ncpu as usize);
        for i in 0..header.ncpu {
            let raw = cur.take(ChunkHeader::SIZE, || {
                format!("the chunk header of core {i}")
            })?;
            let ch = ChunkHeader::from_bytes(raw).expect("slice has the chunk header's size");
            let len = usize::try_from(ch.len).unwrap_or(usize::MAX);
            let data = cur.take(len, || format!("the events of M{}", ch.m))?;
            let events = Decoder::new(data, ch.m, ch.base_tsc)
                .collect::<Result<Vec<Event>, DecodeError>>()
                .map_err(|error| DumpError::Decode { m: ch.m, error })?;
            if events.len() as u64 != ch.events {
                return Err(DumpError::CountMismatch {
                    m: ch.m,
                    header: ch.events,
                    decoded: events.len() as u64,
                });
            }
            chunks.push((ch, events));
        }
        let offset = cur.at;
        let trailer = cur.take(TRAILER.len(), || "the trailer".into())?;
        if trailer != TRAILER {
            return Err(DumpError::BadTrailer { offset });
        }
        Ok(Dump { header, chunks })
    }

    /// Every core's events merged into one list ordered by timestamp (a
    /// stable sort: one core's events keep their recorded order), without
    /// the call stacks (see [`Dump::events_with_stacks`]).
    pub fn events(&self) -> Vec<Event> {
        let mut all = self.events_with_stacks();
        all.retain(|e| !matches!(e, Event::Stack { .. }));
        all
    }

    /// [`Dump::events`] with each [`Event::Stack`] too, which belongs to the
    /// previous event of its core (for the Go trace's stacks).
    pub fn events_with_stacks(&self) -> Vec<Event> {
        let mut all: Vec<Event> = self
            .chunks
            .iter()
            .flat_map(|(_, ev)| ev.iter().copied())
            .collect();
        all.sort_by_key(Event::ts);
        all
    }

    /// Events recorded, over all cores.
    pub fn event_count(&self) -> u64 {
        self.chunks.iter().map(|(c, _)| c.events).sum()
    }

    /// Events dropped because a buffer was full, over all cores.
    pub fn dropped(&self) -> u64 {
        self.chunks.iter().map(|(c, _)| c.dropped).sum()
    }

    /// One sentence per core that dropped events: "N events dropped on M3".
    pub fn drop_warnings(&self) -> Vec<String> {
        self.chunks
            .iter()
            .filter(|(c, _)| c.dropped > 0)
            .map(|(c, _)| {
                format!(
                    "{} events dropped on M{} (its trace buffer was full; the trace after that point misses them)",
                    c.dropped, c.m
                )
            })
            .collect()
    }

    /// Nanoseconds from the start of tracing to TSC `ts`.
    pub fn ns_since_start(&self, ts: u64) -> f64 {
        let hz = self.header.tsc_hz.max(1) as f64;
        ts.saturating_sub(self.header.start_tsc) as f64 * 1e9 / hz
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gmp_sched::trace::{Queue, encode, encoded_len_max};

    fn header(ncpu: u32) -> Header {
        Header {
            version: VERSION,
            ncpu,
            nprocs: ncpu,
            tsc_hz: 1_000_000_000,
            start_tsc: 100,
            end_tsc: 10_000,
        }
    }

    fn chunk(m: u32, base: u64, events: &[Event], dropped: u64) -> Vec<u8> {
        let mut data = Vec::new();
        let mut prev = base;
        for e in events {
            let mut buf = vec![0u8; encoded_len_max()];
            let n = encode(e, prev, &mut buf).unwrap();
            data.extend_from_slice(&buf[..n]);
            prev = e.ts();
        }
        let ch = ChunkHeader {
            m,
            events: events.len() as u64,
            dropped,
            base_tsc: base,
            len: data.len() as u64,
        };
        let mut out = ch.to_bytes().to_vec();
        out.extend(data);
        out
    }

    fn sample() -> (Vec<Event>, Vec<Event>) {
        let m0 = vec![
            Event::GoCreate {
                ts: 110,
                m: 0,
                p: Some(0),
                goid: 2,
                parent: 1,
            },
            Event::Enqueue {
                ts: 111,
                m: 0,
                p: Some(0),
                goid: 2,
                queue: Queue::Runnext,
            },
            Event::GoStart {
                ts: 300,
                m: 0,
                p: Some(0),
                goid: 2,
            },
        ];
        let m1 = vec![
            Event::ProcStart {
                ts: 105,
                m: 1,
                p: Some(1),
            },
            Event::Steal {
                ts: 200,
                m: 1,
                p: Some(1),
                victim: 0,
                count: 1,
                runnext: true,
            },
            Event::MPark { ts: 400, m: 1 },
        ];
        (m0, m1)
    }

    fn dump_bytes(dropped1: u64) -> Vec<u8> {
        let (m0, m1) = sample();
        let mut b = header(2).to_bytes().to_vec();
        b.extend(chunk(0, 100, &m0, 0));
        b.extend(chunk(1, 100, &m1, dropped1));
        b.extend_from_slice(&TRAILER);
        b
    }

    #[test]
    fn round_trip_and_merge_by_timestamp() {
        let d = Dump::parse(&dump_bytes(0)).unwrap();
        let (m0, m1) = sample();
        assert_eq!(d.header, header(2));
        assert_eq!(d.chunks.len(), 2);
        assert_eq!(d.chunks[0].1, m0);
        assert_eq!(d.chunks[1].1, m1);
        let ts: Vec<u64> = d.events().iter().map(Event::ts).collect();
        assert_eq!(ts, vec![105, 110, 111, 200, 300, 400]);
        assert_eq!(d.event_count(), 6);
        assert_eq!(d.dropped(), 0);
        assert!(d.drop_warnings().is_empty());
        assert_eq!(d.ns_since_start(300), 200.0);
    }

    #[test]
    fn drops_are_reported_per_core() {
        let d = Dump::parse(&dump_bytes(17)).unwrap();
        assert_eq!(d.dropped(), 17);
        let w = d.drop_warnings();
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("17 events dropped on M1"), "{}", w[0]);
    }

    #[test]
    fn every_truncation_is_an_error_naming_the_part() {
        let full = dump_bytes(0);
        for cut in 1..full.len() {
            let e = Dump::parse(&full[..cut]).unwrap_err();
            let DumpError::Truncated { what, .. } = &e else {
                panic!("cut at {cut}: {e:?}");
            };
            let msg = e.to_string();
            assert!(msg.starts_with("the trace dump is truncated"), "{msg}");
            let header_end = 8 + Header::SIZE;
            if cut < header_end {
                assert_eq!(what, "the header");
            } else if cut >= full.len() - TRAILER.len() {
                assert_eq!(what, "the trailer");
            }
        }
    }

    #[test]
    fn empty_bad_magic_version_trailer_and_counts_are_errors() {
        assert_eq!(Dump::parse(&[]), Err(DumpError::Empty));
        assert_eq!(Dump::parse(b"hello world"), Err(DumpError::BadMagic));
        let mut b = dump_bytes(0);
        b[8] = 9;
        assert_eq!(Dump::parse(&b), Err(DumpError::BadVersion { found: 9 }));
        let mut b = dump_bytes(0);
        let n = b.len();
        b[n - 1] = b'X';
        assert!(matches!(Dump::parse(&b), Err(DumpError::BadTrailer { .. })));
        // A chunk header that claims one event more than its bytes hold.
        let mut b = dump_bytes(0);
        let events_at = 8 + Header::SIZE + 4;
        b[events_at] += 1;
        assert_eq!(
            Dump::parse(&b),
            Err(DumpError::CountMismatch {
                m: 0,
                header: 4,
                decoded: 3
            })
        );
        // An unknown event kind inside a chunk.
        let mut b = dump_bytes(0);
        b[8 + Header::SIZE + ChunkHeader::SIZE] = 200;
        let e = Dump::parse(&b).unwrap_err();
        assert!(matches!(e, DumpError::Decode { m: 0, .. }), "{e:?}");
        assert!(e.to_string().contains("M0"), "{e}");
    }
}
