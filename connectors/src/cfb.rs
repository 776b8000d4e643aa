//! A structural check of legacy `.xls` containers (Compound File Binary, [MS-CFB]) before
//! calamine reads them. calamine trusts the sector numbers, chain links and stream sizes a file
//! states: a damaged or hostile file makes it allocate gigabytes (the process aborts), index out
//! of bounds or follow a chain in a circle. Here every sector number is checked against the
//! file's real size, every chain is walked with a step limit, and every stated size is bounded by
//! the file's, so that whatever passes can only make calamine allocate about the file's size.

/// Chain ends and reserved sector numbers; only END ends a chain calamine walks.
const END: u32 = 0xFFFF_FFFE;
const RESERVED: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
/// Streams shorter than this live in the mini stream.
const MINI_CUTOFF: u64 = 4096;
const MINI_SECTOR: u64 = 64;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

struct File<'a> {
    bytes: &'a [u8],
    sector: usize,
    /// Sectors the file really holds (the last one may be short).
    sectors: u32,
}

impl File<'_> {
    fn sector(&self, id: u32) -> &[u8] {
        let start = self.sector * (id as usize + 1);
        let end = (start + self.sector).min(self.bytes.len());
        &self.bytes[start.min(end)..end]
    }

    /// The sectors of a chain through `table`, checking each link.
    fn chain(&self, start: u32, table: &[u32], limit: u32, what: &str) -> Result<Vec<u32>, String> {
        let bound = limit.min(table.len() as u32);
        let mut out = Vec::new();
        let mut id = start;
        while id != END {
            if id >= bound {
                return Err(format!(
                    "{what} names sector {id:#x}, past the file's {bound} sectors"
                ));
            }
            if out.len() > bound as usize {
                return Err(format!("{what} runs in a circle"));
            }
            out.push(id);
            id = table[id as usize];
        }
        Ok(out)
    }
}

/// Why calamine must not read this `.xls` container, if it must not.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 512 {
        return Err("is shorter than a compound file header".into());
    }
    let sector = match u16_at(bytes, 30) {
        9 => 512usize,
        12 => 4096,
        s => {
            return Err(format!(
                "states a sector size of 2^{s}; only 2^9 and 2^12 exist"
            ))
        }
    };
    if bytes.len() < sector {
        return Err("is shorter than its header".into());
    }
    let file = File {
        bytes,
        sector,
        sectors: (bytes.len() - sector).div_ceil(sector) as u32,
    };
    let len = bytes.len() as u64;
    // calamine reserves room for the DIFAT from the u32 at offset 62 (bytes of two neighbouring
    // fields); a file must not make that reservation huge.
    if u32_at(bytes, 62) > 1 << 24 {
        return Err("has header fields that would reserve gigabytes".into());
    }
    let fat_sectors = u32_at(bytes, 44);
    let mini_fat_sectors = u32_at(bytes, 64);
    if fat_sectors > file.sectors || mini_fat_sectors > file.sectors {
        return Err(format!(
            "states {fat_sectors} FAT and {mini_fat_sectors} mini FAT sectors in a file of {} sectors",
            file.sectors
        ));
    }
    // calamine reserves room for the directory from its stated sector count (0 in version 3
    // files, where the field is unused).
    let dir_sectors = u32_at(bytes, 40);
    if dir_sectors > file.sectors {
        return Err(format!(
            "states {dir_sectors} directory sectors in a file of {} sectors",
            file.sectors
        ));
    }

    // The DIFAT: 109 entries in the header, then a chain of DIFAT sectors.
    let mut difat: Vec<u32> = (0..109).map(|i| u32_at(bytes, 76 + 4 * i)).collect();
    let mut next = u32_at(bytes, 68);
    let mut steps = 0u32;
    while next < RESERVED {
        if next >= file.sectors {
            return Err(format!(
                "a DIFAT link names sector {next:#x}, past the file's end"
            ));
        }
        steps += 1;
        if steps > file.sectors {
            return Err("the DIFAT runs in a circle".into());
        }
        let s = file.sector(next);
        difat.extend((0..s.len() / 4).map(|i| u32_at(s, 4 * i)));
        next = difat.pop().unwrap_or(END);
    }
    let mut fat = Vec::new();
    for &id in difat.iter().filter(|&&id| id < DIFSECT) {
        if id >= file.sectors {
            return Err(format!(
                "a FAT sector number {id:#x} is past the file's end"
            ));
        }
        let s = file.sector(id);
        fat.extend((0..s.len() / 4).map(|i| u32_at(s, 4 * i)));
    }

    let dirs = file.chain(u32_at(bytes, 48), &fat, file.sectors, "the directory chain")?;
    if dirs.iter().any(|&id| file.sector(id).len() < sector) {
        return Err("is cut off inside its directory".into());
    }
    let entries: Vec<&[u8]> = dirs
        .iter()
        .flat_map(|&id| file.sector(id).chunks_exact(128))
        .collect();
    let Some(root) = entries.first() else {
        return Err("has no directory".into());
    };
    let size = |e: &[u8]| -> u64 {
        if sector == 512 {
            u64::from(u32_at(e, 120))
        } else {
            u64::from(u32_at(e, 120)) | (u64::from(u32_at(e, 124)) << 32)
        }
    };
    for (i, e) in entries.iter().enumerate() {
        if size(e) > len {
            return Err(format!(
                "directory entry {i} states a stream of {} bytes in a file of {len}",
                size(e)
            ));
        }
    }
    let mini_len = size(root);
    let mini_sectors = mini_len.div_ceil(MINI_SECTOR) as u32;
    let mut mini_fat = Vec::new();
    if mini_fat_sectors > 0 {
        file.chain(u32_at(root, 116), &fat, file.sectors, "the mini stream")?;
        for id in file.chain(u32_at(bytes, 60), &fat, file.sectors, "the mini FAT chain")? {
            let s = file.sector(id);
            mini_fat.extend((0..s.len() / 4).map(|i| u32_at(s, 4 * i)));
        }
    }
    for (i, e) in entries.iter().enumerate().skip(1) {
        let (start, stream) = (u32_at(e, 116), size(e));
        // calamine walks the chain of any entry it finds by name, even an empty stream's; an
        // entry without a name cannot be asked for.
        if u16_at(e, 0) == 0 {
            continue;
        }
        let what = format!("the stream of directory entry {i}");
        if stream < MINI_CUTOFF {
            file.chain(start, &mini_fat, mini_sectors, &what)?;
        } else {
            file.chain(start, &fat, file.sectors, &what)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xls() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/xlsx/nl-ledger.xls"
        ))
        .unwrap()
    }

    #[test]
    fn a_real_workbook_passes_and_stated_sizes_past_the_file_do_not() {
        let good = xls();
        check(&good).unwrap();
        // A FAT sector number far past the end: calamine would allocate 150 GB for it.
        let mut far = good.clone();
        far[76..80].copy_from_slice(&0x1200_0000u32.to_le_bytes());
        assert!(check(&far).unwrap_err().contains("past the file's end"));
        // The directory chain pointing at itself.
        let mut circle = good.clone();
        let dir = u32_at(&good, 48);
        let fat0 = u32_at(&good, 76) as usize;
        let at = 512 * (fat0 + 1) + 4 * dir as usize;
        circle[at..at + 4].copy_from_slice(&dir.to_le_bytes());
        assert!(check(&circle).unwrap_err().contains("circle"));
        // A truncated file.
        assert!(check(&good[..300]).is_err());
        // A directory sector count of 3.5 billion (found by the workbook fuzz target): calamine
        // would reserve 1.8 TB for the directory and abort the process.
        let mut huge = good.clone();
        huge[40..44].copy_from_slice(&3_523_215_360u32.to_le_bytes());
        assert!(check(&huge)
            .unwrap_err()
            .contains("directory sectors in a file of"));
    }
}
