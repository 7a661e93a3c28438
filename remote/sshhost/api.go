// Package ssh talks to the instance: connect with pinned host keys (Lightsail's keyless access or the
// user's own key and known_hosts), run commands with sudo, read and atomically write files, gather
// every fact a check needs in one remote command, and hold a remote lock.
//
// This file is the package's contract; the implementation lives beside it.
package sshhost

import (
	"context"
	"io/fs"
	"net"
	"time"

	"golang.org/x/crypto/ssh"
)

// Config says where to connect, as whom, and which host keys to trust.
type Config struct {
	Addr string // host:port
	User string
	Auth []ssh.AuthMethod
	// HostKeys decides whether the server's key is trusted (exactly one mode applies).
	HostKeys HostKeys
	// Timeout bounds the TCP connect plus handshake (default 15 s).
	Timeout time.Duration
	// Dial replaces the TCP dialer (tests count round trips through it). Nil: net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Observer hears every remote command (for the command log). Never given file bodies or secrets.
	Observer func(Command)
	// LockTimeout bounds how long Lock waits for another run when ctx has no earlier deadline
	// (default 2 minutes): a lock that is never released must not hang a run silently.
	LockTimeout time.Duration
	// LockWaiting hears, once, that Lock found the lock held and is waiting, with the holder's note
	// (escaped: no control or format runes).
	LockWaiting func(holder string)
}

// HostKeys is the host-key policy. Pinned (Lightsail keyless access) trusts only those keys;
// otherwise KnownHosts is checked, and an unknown host is accepted only if its fingerprint equals
// Accept or Ask says yes. A mismatch with known_hosts is always refused.
type HostKeys struct {
	Pinned     []ssh.PublicKey
	KnownHosts string // path, e.g. ~/.ssh/known_hosts
	Accept     string // "SHA256:…" from --accept-host-key
	// Ask shows an unknown host's fingerprint and asks whether to trust it (nil off a terminal).
	// A yes appends the key to KnownHosts.
	Ask func(host, fingerprint string) (bool, error)
}

// Command is one remote command as the command log shows it.
type Command struct {
	Line     string // e.g. "sudo install -m 0644 … /etc/cron.d/hardsail-logcleanup"
	Mutating bool
	Exit     int
	Duration time.Duration
}

// Result is what a command printed and how it exited.
type Result struct {
	Stdout []byte
	Stderr []byte
	Exit   int
}

// ExitError is a command that exited non-zero; Stderr is the remote program's own message.
type ExitError struct {
	Cmd    string
	Exit   int
	Stderr string
	Hint   string // set when the cause is known (e.g. sudo wants a password)
}

// HostKeyError is a host key that is not trusted: a mismatch (Want set) or an unknown host.
type HostKeyError struct {
	Host string
	Got  string   // fingerprint the server presented
	Want []string // fingerprints trusted for this host; empty when unknown
	Kind string   // HostKeyMismatch, HostKeyUnknown, HostKeyNotAsked or HostKeyPinned
}

// LockedError is the remote lock held by another hardsail run past the caller's deadline.
type LockedError struct {
	Host   string
	Holder string        // who holds it, as that run recorded, escaped ("" when unknown)
	Waited time.Duration // how long this run waited for it
}

// LockDirError is a lock directory that is not root's own (LockDir must be a directory, owned by
// root, mode 0700): nothing is locked and nothing runs.
type LockDirError struct {
	Host  string
	Found string // what stat says: "directory 1 1 755", "symbolic link 0 0 777"
}

// BusyError is a gathering that found another hardsail run holding the remote lock: that run is
// changing the host, so what a check reads may be half-applied (and may still be rolled back).
type BusyError struct {
	Host   string
	Holder string // the holder's note, escaped: "hardsail over SSH from 198.51.100.4, shell pid 4242, since 2026-…Z"
}

// File is one remote file as read with sudo.
type File struct {
	Path   string      `json:"path"`
	Exists bool        `json:"exists"`
	Body   []byte      `json:"body,omitempty"`
	Mode   fs.FileMode `json:"mode,omitempty"` // permission bits
	Owner  string      `json:"owner,omitempty"`
	Group  string      `json:"group,omitempty"`
	// Link is where the path points when it is a symbolic link (the rest describes the target).
	Link string `json:"link,omitempty"`
}

// Query names the facts to gather. Everything is read in one remote command.
type Query struct {
	Files     []string // bodies and metadata (missing → Exists false)
	Packages  []string // dpkg status of these packages
	AptConfig []string // `apt-config dump` lines whose key starts with one of these
	Dirs      []string // regular files directly inside these directories, with size and mtime
	Commands  []string // read-only probes whose presence on PATH is reported (e.g. "mailx")
	// Scripts are read-only shell scripts run as root (as SudoRead runs them) and LoginScripts
	// read-only ones run as the login user (as Run runs them), each in the same remote command,
	// one after another, stdin empty; their output and exit status come back in Facts.Script. The
	// caller vouches that they change nothing.
	Scripts      []string
	LoginScripts []string
}

// Package is dpkg's view of one package.
type Package struct {
	Installed bool   `json:"installed"`
	Version   string `json:"version,omitempty"`
}

// AptValue is one `apt-config dump` line: Key "Unattended-Upgrade::Origins-Pattern::", Value "origin=Debian…".
type AptValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// DirEntry is one regular file (or symlink, not followed) in a listed directory.
type DirEntry struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
	Symlink bool      `json:"symlink,omitempty"`
}

// Facts is the answer to a Query, plus what every check may want about the host.
type Facts struct {
	OS        map[string]string  `json:"os"` // /etc/os-release: ID, VERSION_ID, VERSION_CODENAME, ID_LIKE…
	Files     map[string]File    `json:"files"`
	Packages  map[string]Package `json:"packages"`
	AptConfig []AptValue         `json:"apt_config"`
	AptError  string             `json:"apt_error,omitempty"` // apt-config's stderr when it failed
	Dirs      map[string]bool    `json:"dirs"`                // queried directory → exists
	Listing   []DirEntry         `json:"listing"`             // sorted by path
	Commands  map[string]string  `json:"commands"`            // name → path on PATH ("" = absent)
	// SSHClient is the address this session comes from as the host sees it (SSH_CLIENT).
	SSHClient string    `json:"ssh_client"`
	FreeBytes int64     `json:"free_bytes"` // free space on /
	HostTime  time.Time `json:"host_time"`
	// LockHolder is the note of a run holding the remote lock when the facts were read ("" when
	// free); Gather refuses with a BusyError when it is another connection's.
	LockHolder string `json:"lock_holder,omitempty"`
	// Scripts are the queried scripts' results, by script (see Facts.Script).
	Scripts map[string]Result `json:"scripts,omitempty"`
	// scriptCmd is how each script's command would have been named had it run alone.
	scriptCmd map[string]string
}
