package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// sshDialer returns the Env's SSH function: one connection per run, dialled on first use, holding
// the remote lock when the run changes the host. Its error is remembered, so every host step reports
// the same cause; a host that could not be reached is dialled again on the next call (the Env keeps
// that error while its host facts last).
func (s *session) sshDialer(o *options, clients *awsapi.Clients, env *steps.Env, lock bool) func(context.Context) (*sshhost.Client, error) {
	var (
		mu  sync.Mutex
		c   *sshhost.Client
		err error
	)
	return func(ctx context.Context) (*sshhost.Client, error) {
		mu.Lock()
		defer mu.Unlock()
		if c != nil || err != nil {
			return c, err
		}
		var cfg sshhost.Config
		cfg, err = sshConfig(ctx, o, clients, s.key.Instance)
		if err != nil {
			return nil, err
		}
		cfg.Observer = func(cmd sshhost.Command) {
			env.Emit(steps.Event{Kind: steps.EventCommand, Message: "ssh: " + cmd.Line})
		}
		cfg.LockWaiting = func(holder string) {
			env.Emit(steps.Event{Kind: steps.EventWait, Step: s.key.Instance, Message: "waiting for the lock held by " + holder})
		}
		c, err = sshhost.Dial(ctx, cfg)
		if err != nil {
			if sshhost.Unreachable(err) != nil {
				// The firewall may open the way later in this run: the next call dials again.
				dialErr := err
				err = nil
				return nil, dialErr
			}
			return nil, err
		}
		s.close = append(s.close, func() { c.Close() })
		if lock {
			release, lerr := lockSaying(ctx, c, env)
			if lerr != nil {
				err = lerr
				return nil, err
			}
			s.close = append(s.close, func() { release() })
		}
		return c, nil
	}
}

// lockSaying takes the remote lock; when it is not free at once, it says so as a wait (on stderr, or
// on the TUI's progress screen), naming the other run when the host told, and then waits as before.
func lockSaying(ctx context.Context, c *sshhost.Client, env *steps.Env) (func() error, error) {
	try, cancel := context.WithTimeout(ctx, 3*time.Second)
	release, err := c.Lock(try)
	cancel()
	var le *sshhost.LockedError
	switch {
	case err == nil || ctx.Err() != nil:
		return release, err
	case errors.As(err, &le) && le.Holder != "":
		holder := strings.Map(func(r rune) rune {
			if unicode.IsPrint(r) {
				return r
			}
			return -1
		}, le.Holder)
		env.Emit(steps.Event{Kind: steps.EventWait, Step: lockWait,
			Message: "another hardsail run is changing this instance (" + holder + "); waiting for it to end (Ctrl-C to stop)"})
	case le != nil || errors.Is(err, context.DeadlineExceeded):
		// No answer in time (a slow host) or no holder note: most likely another run all the same.
		env.Emit(steps.Event{Kind: steps.EventWait, Step: lockWait,
			Message: "waiting for the instance's lock: another hardsail run may be changing it (Ctrl-C to stop)"})
	default:
		return nil, err
	}
	waited := time.Now()
	release, err = c.Lock(ctx)
	if err == nil {
		env.Emit(steps.Event{Kind: steps.EventWait, Step: lockWait,
			Message: fmt.Sprintf("got the instance's lock after %s; going on", time.Since(waited).Round(time.Second))})
	}
	return release, err
}

// lockWait names the remote lock's waits in progress output.
const lockWait = "remote lock"

// sshConfig chooses how to log in: a temporary Lightsail key by default (host keys pinned to what
// Lightsail reports), or the user's own key or agent with known_hosts.
func sshConfig(ctx context.Context, o *options, clients *awsapi.Clients, instance string) (sshhost.Config, error) {
	if o.sshKey == "" {
		acc, err := clients.SSHAccess(ctx, instance)
		if err != nil {
			return sshhost.Config{}, err
		}
		addr, user := o.sshTarget(acc.Addr, acc.User)
		return sshhost.KeylessConfig(addr, user, acc.PrivateKey, acc.CertKey, acc.HostKeys)
	}
	// The user's own key needs only the address and user, not a temporary key from Lightsail.
	instAddr, instUser, err := clients.InstanceLogin(ctx, instance)
	if err != nil {
		return sshhost.Config{}, err
	}
	addr, user := o.sshTarget(instAddr, instUser)
	home, _ := os.UserHomeDir()
	hk := sshhost.HostKeys{KnownHosts: filepath.Join(home, ".ssh", "known_hosts"), Accept: o.acceptHostKey}
	if o.io.Interactive() {
		hk.Ask = func(host, fingerprint string) (bool, error) {
			return o.io.Confirm(fmt.Sprintf("The host %s is not in known_hosts. Its key fingerprint is %s.\nTrust it and add it to known_hosts?", host, fingerprint))
		}
	}
	keyFile := o.sshKey
	if keyFile == "agent" {
		keyFile = ""
	}
	return sshhost.OwnKeyConfig(addr, user, keyFile, keyFile == "", hk)
}

// sshTarget applies --ssh-host, --ssh-port and --ssh-user to the instance's own address and user.
func (o *options) sshTarget(instAddr, instUser string) (addr, user string) {
	host, port, _ := net.SplitHostPort(instAddr)
	if o.sshHost != "" {
		host = o.sshHost
	}
	if o.sshPort != 0 && o.sshPort != 22 {
		port = strconv.Itoa(o.sshPort)
	}
	user = instUser
	if o.sshUser != "" {
		user = o.sshUser
	}
	return net.JoinHostPort(host, port), user
}
