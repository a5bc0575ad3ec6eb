//! A minimal HTTP/1.1 keep-alive client connection for the load generator.
//!
//! The generator shares the machine's cores with the server it measures, so it
//! must be as cheap as possible: the request is written as ready-made bytes,
//! only the status line and framing headers of the answer are parsed, and the
//! read buffer is reused. One request at a time per connection (no pipelining),
//! like Meta's webhook sender.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub(crate) struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// How the answer's body is framed.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        // Small request/response pairs: Nagle would add delay, not save packets.
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(8 * 1024),
        })
    }

    /// Send `request` (a complete HTTP/1.1 request) and read the whole answer.
    /// Returns the status and whether the connection may be reused.
    pub async fn round_trip(&mut self, request: &[u8]) -> io::Result<(u16, bool)> {
        self.stream.write_all(request).await?;
        self.buf.clear();
        let head_end = loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                break end + 4;
            }
            self.fill().await?;
        };
        let (status, framing, keep_alive) = parse_head(&self.buf[..head_end])?;
        match framing {
            Framing::Length(len) => {
                while self.buf.len() < head_end + len {
                    self.fill().await?;
                }
            }
            Framing::Chunked => self.skip_chunked(head_end).await?,
            Framing::UntilClose => {
                while self.stream.read_buf(&mut self.buf).await? > 0 {}
                return Ok((status, false));
            }
        }
        Ok((status, keep_alive))
    }

    /// Read more bytes; the peer closing mid-answer is an error.
    async fn fill(&mut self) -> io::Result<()> {
        if self.buf.capacity() == self.buf.len() {
            self.buf.reserve(self.buf.len().max(4096));
        }
        match self.stream.read_buf(&mut self.buf).await? {
            0 => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed mid-answer",
            )),
            _ => Ok(()),
        }
    }

    async fn skip_chunked(&mut self, mut pos: usize) -> io::Result<()> {
        loop {
            let line_end = loop {
                if let Some(end) = find(&self.buf[pos..], b"\r\n") {
                    break pos + end;
                }
                self.fill().await?;
            };
            let line = std::str::from_utf8(&self.buf[pos..line_end])
                .map_err(|_| invalid("bad chunk size"))?;
            let hex = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(hex, 16).map_err(|_| invalid("bad chunk size"))?;
            pos = line_end + 2;
            if size == 0 {
                // Optional trailers, then an empty line.
                loop {
                    if let Some(end) = find(&self.buf[pos..], b"\r\n") {
                        if end == 0 {
                            return Ok(());
                        }
                        pos += end + 2;
                        continue;
                    }
                    self.fill().await?;
                }
            }
            while self.buf.len() < pos + size + 2 {
                self.fill().await?;
            }
            pos += size + 2;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Status, body framing and keep-alive from a response head.
fn parse_head(head: &[u8]) -> io::Result<(u16, Framing, bool)> {
    let text = std::str::from_utf8(head).map_err(|_| invalid("response head is not ASCII"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("bad status line"))?;
    let mut keep_alive = version == "HTTP/1.1";
    let mut framing = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let len = value.parse().map_err(|_| invalid("bad content-length"))?;
            framing.get_or_insert(Framing::Length(len));
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().contains("chunked")
        {
            framing = Some(Framing::Chunked);
        } else if name.eq_ignore_ascii_case("connection") {
            let value = value.to_ascii_lowercase();
            if value.contains("close") {
                keep_alive = false;
            } else if value.contains("keep-alive") {
                keep_alive = true;
            }
        }
    }
    // 1xx, 204 and 304 answers have no body whatever the headers say.
    let framing = if status < 200 || status == 204 || status == 304 {
        Framing::Length(0)
    } else {
        framing.unwrap_or(Framing::UntilClose)
    };
    Ok((status, framing, keep_alive))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_heads() {
        let (status, framing, keep_alive) =
            parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n").unwrap();
        assert_eq!(status, 200);
        assert!(matches!(framing, Framing::Length(12)));
        assert!(keep_alive);
        let (status, framing, keep_alive) = parse_head(
            b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        assert_eq!(status, 401);
        assert!(matches!(framing, Framing::Chunked));
        assert!(!keep_alive);
        assert!(parse_head(b"garbage\r\n\r\n").is_err());
    }
}
