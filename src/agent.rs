//! Signing through a running ssh-agent, so that a passphrase-protected key
//! is unlocked once a day (`ssh-add`) rather than at every command, as git
//! and `ssh-keygen -Y sign` do with the same keys.
//!
//! Only the two requests claimtrail needs are spoken, from the agent protocol
//! (draft-ietf-sshm-ssh-agent §3, as OpenSSH's `ssh-agent` implements it):
//! `SSH_AGENTC_REQUEST_IDENTITIES` to learn whether the agent holds the key,
//! and `SSH_AGENTC_SIGN_REQUEST` to have it sign. Each message is framed as
//! `uint32 length ‖ byte type ‖ contents`, the contents in the SSH wire
//! encoding, which `ssh-encoding` (already used for SSHSIG) reads and writes.
//! The protocol is written here rather than taken from the
//! `ssh-agent-client-rs` crate because that crate turns on `ssh-key`'s
//! `crypto` feature, which brings RSA (with the unfixed RUSTSEC-2023-0071)
//! and three NIST curves into the tree for nothing claimtrail uses.
//!
//! What this does *not* prove: an answer from the socket is not trusted. An
//! ssh-ed25519 signature the agent returns is checked against the key before
//! it is used ([`crate::keys::Signer`]), so a wrong or hostile agent can
//! refuse to sign, never make claimtrail store a bad signature.

use ssh_encoding::{Decode, Encode};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The variable OpenSSH uses to name the agent's socket.
pub const SOCKET_ENV: &str = "SSH_AUTH_SOCK";

const FAILURE: u8 = 5;
const REQUEST_IDENTITIES: u8 = 11;
const IDENTITIES_ANSWER: u8 = 12;
const SIGN_REQUEST: u8 = 13;
const SIGN_RESPONSE: u8 = 14;
/// OpenSSH's own limit on a message (`AGENT_MAX_LEN`).
const MAX_MESSAGE: usize = 256 * 1024;
/// How long an answer may take: an agent may ask its user to confirm a
/// signature (`ssh-add -c`), so this is generous, but a hung agent must not
/// hold the log's write lock for ever.
const TIMEOUT: Duration = Duration::from_secs(60);
/// How long the list of keys may take: no agent asks its user for that,
/// so an agent that has not answered in this long is hung (a stale
/// forwarded socket), and a command that could sign with the key file and
/// its passphrase should not wait a minute to learn it.
const LIST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the agent could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentError {
    /// The socket could not be reached (no agent running there).
    Unreachable(String),
    /// The agent closed the connection before its answer was whole (it
    /// was reached: "cannot reach it (unexpected end of file)" said not).
    Closed,
    /// The agent answered `SSH_AGENT_FAILURE` (it refused, or a
    /// confirmation was declined).
    Refused,
    /// The agent did not answer within the time given (60 s for a
    /// signature, when it may be waiting for its user to confirm it; 5 s
    /// for the list of keys, which no agent asks about).
    Timeout(Duration),
    /// The answer was not what the protocol allows.
    Garbled(String),
}

impl std::fmt::Display for AgentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgentError::Unreachable(why) => write!(f, "cannot reach it ({why})"),
            AgentError::Closed => {
                f.write_str("it closed the connection before its answer was whole")
            }
            AgentError::Refused => f.write_str("it refused the request"),
            AgentError::Timeout(waited) => {
                write!(f, "it did not answer within {} s", waited.as_secs())
            }
            AgentError::Garbled(why) => write!(f, "its answer is not valid ({why})"),
        }
    }
}

/// A connection to the agent at one socket, opened on first use and kept
/// for the next requests (import signs every entry through it).
pub struct Agent {
    path: PathBuf,
    conn: Mutex<Option<UnixStream>>,
}

impl Agent {
    /// The agent named by `SSH_AUTH_SOCK`, if the variable is set and not
    /// empty (an empty value is how a user turns the agent off).
    pub fn from_env() -> Option<Agent> {
        let path = std::env::var_os(SOCKET_ENV).filter(|p| !p.is_empty())?;
        Some(Agent::at(Path::new(&path)))
    }

    /// The agent listening at `path`.
    pub fn at(path: &Path) -> Agent {
        Agent {
            path: path.to_path_buf(),
            conn: Mutex::new(None),
        }
    }

    /// The socket's path, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the agent holds the private half of the key whose wire
    /// encoding (`string "ssh-ed25519" ‖ string key`) is `key_blob`.
    pub fn holds(&self, key_blob: &[u8]) -> Result<bool, AgentError> {
        let answer = self.request(REQUEST_IDENTITIES, &[])?;
        let mut r = expect(&answer, IDENTITIES_ANSWER)?;
        let n = u32::decode(&mut r).map_err(garbled)?;
        for _ in 0..n {
            let blob = Vec::<u8>::decode(&mut r).map_err(garbled)?;
            let _comment = Vec::<u8>::decode(&mut r).map_err(garbled)?;
            if blob == key_blob {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Asks the agent to sign `data` with the key whose wire encoding is
    /// `key_blob`, and returns the 64 bytes of the ssh-ed25519 signature it
    /// gives. The caller checks them against the key.
    pub fn sign_ed25519(&self, key_blob: &[u8], data: &[u8]) -> Result<[u8; 64], AgentError> {
        let mut body = Vec::with_capacity(key_blob.len() + data.len() + 16);
        key_blob.encode(&mut body).map_err(garbled)?;
        data.encode(&mut body).map_err(garbled)?;
        0u32.encode(&mut body).map_err(garbled)?; // flags: none
        let answer = self.request(SIGN_REQUEST, &body)?;
        let mut r = expect(&answer, SIGN_RESPONSE)?;
        let blob = Vec::<u8>::decode(&mut r).map_err(garbled)?;
        let mut s = blob.as_slice();
        let alg = String::decode(&mut s).map_err(garbled)?;
        let sig = Vec::<u8>::decode(&mut s).map_err(garbled)?;
        if alg != "ssh-ed25519" {
            return Err(AgentError::Garbled(format!(
                "a {alg} signature for an ssh-ed25519 key"
            )));
        }
        sig.try_into()
            .map_err(|s: Vec<u8>| AgentError::Garbled(format!("a signature of {} bytes", s.len())))
    }

    /// Sends one message and reads the answer's type and contents. A
    /// connection that fails is dropped, and the request is tried once more
    /// on a new one (an agent restarted since the last request).
    fn request(&self, kind: u8, body: &[u8]) -> Result<Vec<u8>, AgentError> {
        let patience = match kind {
            REQUEST_IDENTITIES => LIST_TIMEOUT,
            _ => TIMEOUT,
        };
        let mut kept = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(stream) = kept.as_mut() {
            match exchange(stream, kind, body, patience) {
                Ok(answer) => return Ok(answer),
                // Closed under us: try a new connection (signing again is
                // harmless, Ed25519 signatures being deterministic).
                Err(AgentError::Unreachable(_) | AgentError::Closed) => *kept = None,
                Err(e) => {
                    *kept = None;
                    return Err(e);
                }
            }
        }
        let mut stream = UnixStream::connect(&self.path)
            .map_err(|e| AgentError::Unreachable(connect_reason(&self.path, &e)))?;
        let _ = stream.set_write_timeout(Some(TIMEOUT));
        let answer = exchange(&mut stream, kind, body, patience)?;
        *kept = Some(stream);
        Ok(answer)
    }
}

/// Why the agent's socket could not be reached, in words: the system says
/// "Connection refused (os error 111)" both of a socket no agent listens on
/// any more and of a path that is no socket at all.
fn connect_reason(path: &std::path::Path, e: &std::io::Error) -> String {
    use std::os::unix::fs::FileTypeExt;
    if e.kind() != std::io::ErrorKind::ConnectionRefused {
        return crate::keys::io_reason(e);
    }
    match std::fs::metadata(path).map(|m| m.file_type()) {
        Ok(t) if t.is_socket() => "no agent listens on the socket: the agent has exited".into(),
        Ok(t) if t.is_dir() => "it is a directory, not a socket".into(),
        Ok(_) => "it is a file, not a socket".into(),
        Err(e) => crate::keys::io_reason(&e),
    }
}

/// Sends one message and reads its answer, all of it within `patience`:
/// a deadline for the whole answer, not for each read (an agent that gave
/// its answer a byte a second kept a command, and the log's write lock,
/// waiting past the minute).
fn exchange(
    stream: &mut UnixStream,
    kind: u8,
    body: &[u8],
    patience: Duration,
) -> Result<Vec<u8>, AgentError> {
    let deadline = std::time::Instant::now() + patience;
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            AgentError::Timeout(patience)
        }
        std::io::ErrorKind::UnexpectedEof => AgentError::Closed,
        _ => AgentError::Unreachable(crate::keys::io_reason(&e)),
    };
    let mut msg = Vec::with_capacity(5 + body.len());
    msg.extend_from_slice(&((body.len() + 1) as u32).to_be_bytes());
    msg.push(kind);
    msg.extend_from_slice(body);
    stream.write_all(&msg).map_err(io)?;
    let mut len = [0u8; 4];
    read_by(stream, &mut len, deadline).map_err(io)?;
    let len = u32::from_be_bytes(len) as usize;
    if len == 0 || len > MAX_MESSAGE {
        return Err(AgentError::Garbled(format!("a message of {len} bytes")));
    }
    let mut answer = vec![0u8; len];
    read_by(stream, &mut answer, deadline).map_err(io)?;
    Ok(answer)
}

/// Fills `buf` from `stream` before `deadline`.
fn read_by(
    stream: &mut UnixStream,
    buf: &mut [u8],
    deadline: std::time::Instant,
) -> std::io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut buf[done..]) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The contents of an answer of type `want`; `SSH_AGENT_FAILURE` (or
/// OpenSSH's extension failure, 28) is a refusal.
fn expect(answer: &[u8], want: u8) -> Result<&[u8], AgentError> {
    match answer.split_first() {
        Some((&t, rest)) if t == want => Ok(rest),
        Some((&FAILURE | &28, _)) => Err(AgentError::Refused),
        Some((&t, _)) => Err(AgentError::Garbled(format!(
            "an answer of type {t} where {want} was expected"
        ))),
        None => Err(AgentError::Garbled("an empty answer".into())),
    }
}

/// A field of an answer that does not decode, in the protocol's terms:
/// ssh-encoding's own words for a length past the end ("internal overflow
/// error", "length invalid") read as claimtrail's bug, not the agent's.
fn garbled(e: ssh_encoding::Error) -> AgentError {
    AgentError::Garbled(match e {
        ssh_encoding::Error::Overflow | ssh_encoding::Error::Length => {
            "a field's length runs past the end of the message".into()
        }
        ssh_encoding::Error::CharacterEncoding => "a name that is not UTF-8".into(),
        e => e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    /// A one-connection agent that answers each request from `answers`, and
    /// returns the requests it read.
    fn fake(answers: Vec<Vec<u8>>) -> (tempfile::TempDir, std::thread::JoinHandle<Vec<Vec<u8>>>) {
        let dir = tempfile::tempdir().unwrap();
        let listener = UnixListener::bind(dir.path().join("sock")).unwrap();
        let h = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut seen = Vec::new();
            for a in answers {
                let mut len = [0u8; 4];
                s.read_exact(&mut len).unwrap();
                let mut m = vec![0u8; u32::from_be_bytes(len) as usize];
                s.read_exact(&mut m).unwrap();
                seen.push(m);
                s.write_all(&(a.len() as u32).to_be_bytes()).unwrap();
                s.write_all(&a).unwrap();
            }
            seen
        });
        (dir, h)
    }

    fn string(b: &[u8]) -> Vec<u8> {
        let mut v = (b.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(b);
        v
    }

    #[test]
    fn identities_and_signature_are_read_from_the_wire() {
        let blob = [string(b"ssh-ed25519"), string(&[7; 32])].concat();
        let other = [string(b"ssh-ed25519"), string(&[8; 32])].concat();
        let ids = [
            vec![IDENTITIES_ANSWER],
            2u32.to_be_bytes().to_vec(),
            string(&other),
            string(b"someone else"),
            string(&blob),
            string(b"me"),
        ]
        .concat();
        let sig = [
            vec![SIGN_RESPONSE],
            string(&[string(b"ssh-ed25519"), string(&[9; 64])].concat()),
        ]
        .concat();
        let (dir, h) = fake(vec![ids, sig, vec![FAILURE]]);
        let agent = Agent::at(&dir.path().join("sock"));
        assert_eq!(agent.holds(&blob), Ok(true));
        assert_eq!(agent.sign_ed25519(&blob, b"data"), Ok([9; 64]));
        assert_eq!(agent.sign_ed25519(&blob, b"data"), Err(AgentError::Refused));
        let seen = h.join().unwrap();
        assert_eq!(seen[0], vec![REQUEST_IDENTITIES]);
        let want = [
            vec![SIGN_REQUEST],
            string(&blob),
            string(b"data"),
            0u32.to_be_bytes().to_vec(),
        ]
        .concat();
        assert_eq!(seen[1], want);
    }

    #[test]
    fn a_wrong_answer_is_an_error_not_a_panic() {
        let blob = [string(b"ssh-ed25519"), string(&[7; 32])].concat();
        for answer in [
            vec![SIGN_RESPONSE],
            vec![SIGN_RESPONSE, 0, 0, 0, 200],
            [
                vec![SIGN_RESPONSE],
                string(&[string(b"ssh-rsa"), string(&[9; 64])].concat()),
            ]
            .concat(),
            [
                vec![SIGN_RESPONSE],
                string(&[string(b"ssh-ed25519"), string(&[9; 63])].concat()),
            ]
            .concat(),
            vec![IDENTITIES_ANSWER, 0, 0, 0, 0],
        ] {
            let (dir, h) = fake(vec![answer.clone()]);
            let agent = Agent::at(&dir.path().join("sock"));
            assert!(
                matches!(agent.sign_ed25519(&blob, b"x"), Err(AgentError::Garbled(_))),
                "{answer:?}"
            );
            h.join().unwrap();
        }
        // A length past the end is said in the protocol's terms, not
        // ssh-encoding's ("internal overflow error").
        let (dir, h) = fake(vec![[&[SIGN_RESPONSE][..], b"abcd"].concat()]);
        let agent = Agent::at(&dir.path().join("sock"));
        assert_eq!(
            agent.sign_ed25519(&blob, b"x").unwrap_err().to_string(),
            "its answer is not valid (a field's length runs past the end of the message)"
        );
        h.join().unwrap();
    }

    /// The deadline is for the whole answer: an agent that sends its
    /// answer a byte at a time, each within the deadline, still runs out
    /// of it (each read had its own minute).
    #[test]
    fn an_answer_given_a_byte_at_a_time_runs_out_of_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sock");
        let listener = UnixListener::bind(&path).unwrap();
        let h = std::thread::spawn(move || {
            let (mut c, _) = listener.accept().unwrap();
            let mut len = [0u8; 4];
            c.read_exact(&mut len).unwrap();
            let mut req = vec![0u8; u32::from_be_bytes(len) as usize];
            c.read_exact(&mut req).unwrap();
            // An answer of 100 bytes, one every 20 ms: 2 s in all.
            let mut answer = 100u32.to_be_bytes().to_vec();
            answer.extend([SIGN_RESPONSE; 100]);
            for b in answer {
                if c.write_all(&[b]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let mut stream = UnixStream::connect(&path).unwrap();
        let started = std::time::Instant::now();
        let got = exchange(&mut stream, SIGN_REQUEST, b"x", Duration::from_millis(300));
        // The time said is the one that applied (the list of keys, 5 s,
        // was said to be 60 s).
        assert_eq!(got, Err(AgentError::Timeout(Duration::from_millis(300))));
        assert_eq!(
            AgentError::Timeout(LIST_TIMEOUT).to_string(),
            "it did not answer within 5 s"
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        drop(stream);
        h.join().unwrap();
    }

    #[test]
    fn no_agent_at_the_path_is_unreachable() {
        let dir = tempfile::tempdir().unwrap();
        let agent = Agent::at(&dir.path().join("nothing"));
        assert!(matches!(agent.holds(b"k"), Err(AgentError::Unreachable(_))));
    }
}
