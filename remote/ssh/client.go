package ssh

import (
	"context"
	"errors"
	"io/fs"
)

// errTODO marks the parts still being built.
var errTODO = errors.New("remote/ssh: not implemented yet")

// Client is one SSH connection to the instance.
type Client struct {
	cfg Config
}

// Dial connects and authenticates, checking the host key against cfg.HostKeys.
func Dial(ctx context.Context, cfg Config) (*Client, error) { return nil, errTODO }

// Close ends the connection.
func (c *Client) Close() error { return nil }

// Run runs a read-only command as the login user.
func (c *Client) Run(ctx context.Context, cmd string) (Result, error) { return Result{}, errTODO }

// Sudo runs cmd with `sudo -n sh -c`, stdin (may be nil) on its standard input. It counts as mutating.
func (c *Client) Sudo(ctx context.Context, cmd string, stdin []byte) (Result, error) {
	return Result{}, errTODO
}

// ReadFile reads one file with sudo (a missing file is Exists false, not an error).
func (c *Client) ReadFile(ctx context.Context, path string) (File, error) { return File{}, errTODO }

// WriteFileAtomic replaces path with data: temp file in the same directory, fsync, owner and mode,
// rename. A dropped connection leaves either the old file or the new one, never half of one.
func (c *Client) WriteFileAtomic(ctx context.Context, path string, data []byte, mode fs.FileMode, owner, group string) error {
	return errTODO
}

// RemoveFile deletes path with sudo; a missing file is not an error.
func (c *Client) RemoveFile(ctx context.Context, path string) error { return errTODO }

// Gather answers q in one remote command.
func (c *Client) Gather(ctx context.Context, q Query) (*Facts, error) { return nil, errTODO }

// Lock takes the remote lock (flock on /run/lock/hardsail.lock) for the life of the returned release.
// A second hardsail on the same host waits up to ctx's deadline, then fails with a LockedError.
func (c *Client) Lock(ctx context.Context) (release func() error, err error) { return nil, errTODO }

// Probe opens a fresh connection with the same config, runs `true`, and closes it: "can the user
// still get in?" (the firewall's lockout guard).
func (c *Client) Probe(ctx context.Context) error { return errTODO }

// Mutations counts the mutating calls made so far (Sudo, WriteFileAtomic, RemoveFile).
func (c *Client) Mutations() int { return 0 }
