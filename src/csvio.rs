//! CSV in and out, through the `csv` crate: start points in
//! ([`read_points`], `compare --starts FILE.csv`), tables out
//! ([`write_table`], `compare --csv`).

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// The separators a points file may use; the first line with a point (or
/// the header) decides which one the file uses.
const SEPARATORS: [u8; 4] = [b',', b';', b'\t', b' '];

/// Reads `x,y` points: one per line, separated by a comma, semicolon, tab
/// or spaces; an optional header line (no numbers in it), `#` comments and
/// blank lines are skipped. At most `max` points. Every error is the user's
/// input at fault (exit 2) and names the file, and the line where there is one;
/// so is a file that cannot be read, like an unreadable scene.
pub fn read_points(path: &Path, max: u64) -> Result<Vec<[f64; 2]>> {
    let text = std::fs::read(path)
        .map_err(|e| Error::input(format!("reading {}: {e}", path.display())))?;
    let first = text
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| !l.is_empty() && !l.starts_with(b"#"))
        .unwrap_or(b"");
    let sep = SEPARATORS
        .into_iter()
        .find(|s| first.contains(s))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sep)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_slice());
    let mut out = Vec::new();
    let mut first = true;
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(line, |p| p.line());
                return Err(Error::input(format!(
                    "{}:{at}: {}",
                    path.display(),
                    one_line(&e.to_string())
                )));
            }
        }
        let at = record.position().map_or(line, |p| p.line());
        // Runs of spaces (or a separator before a space) leave empty fields.
        let fields: Vec<&str> = record.iter().filter(|f| !f.is_empty()).collect();
        if fields.is_empty() {
            continue;
        }
        let nums: Vec<Option<f64>> = fields.iter().map(|f| f.parse::<f64>().ok()).collect();
        if std::mem::replace(&mut first, false) && nums.iter().all(Option::is_none) {
            continue; // a header
        }
        match nums.as_slice() {
            [Some(x), Some(y)] if x.is_finite() && y.is_finite() => out.push([*x, *y]),
            _ => {
                return Err(Error::input(format!(
                    "{}:{at}: expected two finite numbers x,y, found '{}'",
                    path.display(),
                    fields.join(&char::from(sep).to_string())
                )))
            }
        }
        if out.len() as u64 > max {
            return Err(Error::input(format!(
                "{}: more than {max} starts",
                path.display()
            )));
        }
    }
    if out.is_empty() {
        return Err(Error::input(format!(
            "{}: no x,y points in the file",
            path.display()
        )));
    }
    Ok(out)
}

/// Writes a CSV table to `w`: the `header`, then each row (fields quoted
/// where they need it). `path` names the output in errors.
pub fn write_table<R, F>(
    w: &mut dyn Write,
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<()>
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let err = |e: csv::Error| {
        let kind = match e.kind() {
            csv::ErrorKind::Io(io) => io.kind(),
            _ => std::io::ErrorKind::InvalidData,
        };
        Error::io(path, std::io::Error::new(kind, one_line(&e.to_string())))
    };
    let mut out = csv::WriterBuilder::new()
        .flexible(false)
        .from_writer(std::io::BufWriter::new(w));
    out.write_record(header).map_err(err)?;
    for row in rows {
        out.write_record(row).map_err(err)?;
    }
    out.flush().map_err(|e| Error::io(path, e))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, text: &str) -> Result<Vec<[f64; 2]>> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(name);
        std::fs::write(&p, text).unwrap();
        read_points(&p, 10)
    }

    #[test]
    fn every_separator_a_header_and_comments() {
        let want = vec![[1.0, 2.0], [-3.5, 0.4]];
        for text in [
            "x,y\n1,2\n\n# a comment\n-3.5, 4e-1\n",
            "1;2\n-3.5;0.4\n",
            "x\ty\n1\t2\n-3.5\t0.4\n",
            "  1   2\n# note\n-3.5  0.4  \n",
            "\"x\",\"y\"\r\n1,2\r\n-3.5,0.4\r\n",
        ] {
            assert_eq!(read("p.csv", text).unwrap(), want, "{text:?}");
        }
    }

    #[test]
    fn a_bad_line_names_file_and_line() {
        let e = read("bad.csv", "x,y\n1,2\n3,abc\n").unwrap_err();
        assert!(e.is_user_error());
        let m = e.to_string();
        assert!(m.contains("bad.csv:3") && m.contains("'3,abc'"), "{m}");
        for (text, want) in [
            ("1,2,3\n", "bad.csv:1"),
            ("1,2\n4\n", "bad.csv:2"),
            ("1,inf\n", "bad.csv:1"),
            ("x,y\n", "no x,y points"),
            ("", "no x,y points"),
        ] {
            let m = read("bad.csv", text).unwrap_err().to_string();
            assert!(m.contains(want), "{text:?}: {m}");
        }
        let many: String = (0..11).map(|i| format!("{i},0\n")).collect();
        let m = read("many.csv", &many).unwrap_err().to_string();
        assert!(m.contains("more than 10 starts"), "{m}");
        let m = read_points(Path::new("/nonexistent/s.csv"), 10).unwrap_err();
        assert!(m.is_user_error() && m.to_string().contains("/nonexistent/s.csv"));
    }

    #[test]
    fn a_table_round_trips_with_quoting() {
        let mut buf = Vec::new();
        let rows = vec![
            vec!["1".to_string(), "gd".into()],
            vec!["-0.5".into(), "a,b \"c\"".into()],
        ];
        write_table(&mut buf, Path::new("t.csv"), &["x", "name"], rows).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(text, "x,name\n1,gd\n-0.5,\"a,b \"\"c\"\"\"\n");
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let back: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(&back[1][1], "a,b \"c\"");
    }
}
