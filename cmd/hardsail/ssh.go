package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// sshDialer returns the Env's SSH function: one connection per run, dialled on first use, holding
// the remote lock when the run changes the host. Its error is remembered, so every host step reports
// the same cause; a host that could not be reached is dialled again on the next call (the Env keeps
// that error while its host facts last).
func (s *session) sshDialer(o *sessionOptions, clients *awsapi.Clients, env *steps.Env, lock bool) func(context.Context) (*sshhost.Client, error) {
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
			// The holder's note is escaped by sshhost; the wait ends at LockTimeout or Ctrl-C.
			env.Emit(steps.Event{Kind: steps.EventWait, Step: s.key.Instance,
				Message: "another hardsail run is changing this instance; waiting for the lock held by " + holder + " (Ctrl-C to stop)"})
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
			release, lerr := c.Lock(ctx)
			if lerr != nil {
				err = lerr
				return nil, err
			}
			s.close = append(s.close, func() { release() })
		}
		return c, nil
	}
}

// sshConfig chooses how to log in: a temporary Lightsail key by default (host keys pinned to what
// Lightsail reports), or the user's own key or agent with known_hosts.
func sshConfig(ctx context.Context, o *sessionOptions, clients *awsapi.Clients, instance string) (sshhost.Config, error) {
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
func (o *globals) sshTarget(instAddr, instUser string) (addr, user string) {
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
